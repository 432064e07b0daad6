# The kernel image, build/keel.elf: every C and assembly file of the image, linked twice so that the second
# link embeds the first one's function symbols (kernel/ksyms_gen.sh) for symbolized backtraces.
KEEL_VERSION := 0.1.0
KERNEL := $(BUILD)/keel.elf
KOBJ := $(BUILD)/kernel

KERNEL_DIRS := kernel drivers hv net shell
KERNEL_C := $(shell find $(KERNEL_DIRS) -name '*.c')
KERNEL_S := $(shell find $(KERNEL_DIRS) -name '*.S')
KERNEL_OBJS := $(KERNEL_C:%.c=$(KOBJ)/%.o) $(KERNEL_S:%.S=$(KOBJ)/%.o) $(LWIP_OBJS)

KCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-pic -fno-pie -mno-red-zone \
	-mcmodel=kernel -mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing -nostdinc -isystem $(MUSL_INC) -I. \
	$(MBEDTLS_CFLAGS) -DKEEL_VERSION='"$(KEEL_VERSION)"' -MMD -MP
KLDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments -T kernel/linker.ld
LIBGCC := $(shell gcc -print-libgcc-file-name)

# musl's internal headers, for the one file that knows musl's thread layout.
MUSL_INTERNAL_INC := -isystem $(MUSL_SRC)/src/internal -isystem $(MUSL_SRC)/src/include -isystem $(MUSL_SRC)/arch/x86_64 \
	-isystem $(MUSL_SRC)/arch/generic -isystem $(MUSL_SRC)/obj/include -isystem $(MUSL_SRC)/include
$(KOBJ)/kernel/libc/libc_thread.o: KCFLAGS := $(MUSL_INTERNAL_INC) $(KCFLAGS)

# net/ is the one part that sees lwIP's headers.
$(KOBJ)/net/%.o: KCFLAGS += $(LWIP_INC)
$(filter $(KOBJ)/net/%,$(KERNEL_OBJS)): $(LWIP_STAMP)

$(KOBJ)/%.o: %.c $(MUSL_LIB) $(MBEDTLS_STAMP)
	@mkdir -p $(dir $@)
	gcc $(KCFLAGS) -c $< -o $@

$(KOBJ)/%.o: %.S
	@mkdir -p $(dir $@)
	gcc $(KCFLAGS) -D__ASSEMBLY__ -c $< -o $@

$(KOBJ)/stage1.elf: $(KERNEL_OBJS) $(MBEDTLS_LIB) $(MUSL_LIB) kernel/linker.ld
	ld $(KLDFLAGS) -o $@ $(KERNEL_OBJS) $(MBEDTLS_LIB) $(MUSL_LIB) $(LIBGCC)

$(KOBJ)/ksyms.S: $(KOBJ)/stage1.elf kernel/ksyms_gen.sh
	sh kernel/ksyms_gen.sh $< > $@

$(KOBJ)/ksyms.o: $(KOBJ)/ksyms.S
	gcc -c $< -o $@

$(KERNEL): $(KERNEL_OBJS) $(KOBJ)/ksyms.o $(MBEDTLS_LIB) $(MUSL_LIB) kernel/linker.ld mk/kernel.mk
	ld $(KLDFLAGS) -o $@ $(KERNEL_OBJS) $(KOBJ)/ksyms.o $(MBEDTLS_LIB) $(MUSL_LIB) $(LIBGCC)
	@cmp -s <(nm -n $(KOBJ)/stage1.elf | grep -i ' t ') <(nm -n $@ | grep -i ' t ') || \
		{ echo "kernel: the second link moved code; symbols would be wrong"; rm -f $@; exit 1; }
	@# The image carries no DWARF (backtraces use the embedded table); gdb gets the full file.
	cp $@ $(KOBJ)/keel-debug.elf
	objcopy --strip-debug $@

kernel: $(KERNEL)
.PHONY: kernel

-include $(KERNEL_OBJS:.o=.d)
