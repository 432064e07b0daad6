# musl, the image's C library: Debian's source package, pinned and checked, built as a static libc.a with
# kernel code-model flags and our system-call header (kernel/libc/syscall_arch.h) in place of musl's.
MUSL_DEB_VERSION := 1.2.3-1
MUSL_TARBALL := musl_1.2.3.orig.tar.gz
MUSL_SHA256 := 7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4
MUSL_SRC := $(BUILD)/third_party/musl-1.2.3
MUSL_DIR := $(BUILD)/musl
MUSL_LIB := $(MUSL_DIR)/lib/libc.a
MUSL_INC := $(MUSL_DIR)/include
MUSL_CFLAGS := -O2 -mno-red-zone -mcmodel=kernel -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables

$(eval $(call debian_source,musl,$(MUSL_DEB_VERSION),$(MUSL_TARBALL),$(MUSL_SHA256)))

$(MUSL_LIB): $(DEBSRC_DIR)/$(MUSL_TARBALL) kernel/libc/syscall_arch.h mk/musl.mk
	rm -rf $(MUSL_SRC) $(MUSL_DIR)
	mkdir -p $(dir $(MUSL_SRC))
	tar -xzf $< -C $(dir $(MUSL_SRC))
	cp kernel/libc/syscall_arch.h $(MUSL_SRC)/arch/x86_64/syscall_arch.h
	cd $(MUSL_SRC) && ./configure --prefix=$(abspath $(MUSL_DIR)) --disable-shared \
		CC=gcc CFLAGS="$(MUSL_CFLAGS)" >/dev/null
	$(MAKE) -C $(MUSL_SRC) -s -j2 lib/libc.a install-headers
	mkdir -p $(MUSL_DIR)/lib
	cp $(MUSL_SRC)/lib/libc.a $@

musl: $(MUSL_LIB)
.PHONY: musl
