# Stock Linux guests for the tests: Debian's current amd64 and 686 kernels (tests/linux/fetch-kernel.sh: apt-get
# download, never pinned), each with an initramfs of busybox-static for its architecture and tests/linux/init.
# build/keel-linux.iso carries them as GRUB modules vmlinuz-amd64 + initrd and vmlinuz-686 + initrd-686, and
# two small test guests (hello, counter) to run beside them.
LINUX_DIR := $(BUILD)/linux
LINUX_AMD64 := $(LINUX_DIR)/vmlinuz-amd64
LINUX_686 := $(LINUX_DIR)/vmlinuz-686
LINUX_INITRD := $(LINUX_DIR)/initrd.gz
LINUX_INITRD_686 := $(LINUX_DIR)/initrd-686.gz
LINUX_BUSYBOX_686 := $(LINUX_DIR)/686/busybox
LINUX_ISO := $(BUILD)/keel-linux.iso
LINUX_ISO_GUESTS := $(BUILD)/guests/hello.elf $(BUILD)/guests/counter.elf

$(LINUX_DIR)/amd64/vmlinuz: tests/linux/fetch-kernel.sh | $(DEPS_STAMP)
	tests/linux/fetch-kernel.sh linux-image-amd64 $(LINUX_DIR)/amd64

$(LINUX_DIR)/686/vmlinuz: tests/linux/fetch-kernel.sh | $(DEPS_STAMP)
	tests/linux/fetch-kernel.sh linux-image-686:i386 $(LINUX_DIR)/686

$(LINUX_BUSYBOX_686): tests/linux/fetch-busybox.sh | $(LINUX_DIR)/686/vmlinuz
	tests/linux/fetch-busybox.sh i386 $@

$(LINUX_DIR)/vmlinuz-%: $(LINUX_DIR)/%/vmlinuz
	cp $< $@

$(LINUX_DIR)/rdtsc-%: tests/linux/rdtsc.c
	@mkdir -p $(dir $@)
	gcc -m$* -O2 -static -nostdlib -ffreestanding -fno-pic -no-pie -fno-stack-protector -Wall -Wextra -Werror \
		-Wl,--build-id=none -o $@ $<

$(LINUX_INITRD): tests/linux/init tests/linux/mkinitrd.sh $(LINUX_DIR)/amd64/vmlinuz $(LINUX_DIR)/rdtsc-64 \
		| $(DEPS_STAMP)
	tests/linux/mkinitrd.sh /bin/busybox $(LINUX_DIR)/rdtsc-64 $(LINUX_DIR)/amd64/modules $@

$(LINUX_INITRD_686): tests/linux/init tests/linux/mkinitrd.sh $(LINUX_DIR)/686/vmlinuz $(LINUX_BUSYBOX_686) \
		$(LINUX_DIR)/rdtsc-32
	tests/linux/mkinitrd.sh $(LINUX_BUSYBOX_686) $(LINUX_DIR)/rdtsc-32 $(LINUX_DIR)/686/modules $@

$(LINUX_ISO): $(KERNEL) $(KEEL_CFG) $(LINUX_AMD64) $(LINUX_INITRD) $(LINUX_686) $(LINUX_INITRD_686) \
		$(LINUX_ISO_GUESTS) grub.cfg image/mkiso.sh | $(DEPS_STAMP)
	GUESTS="$(LINUX_AMD64) $(LINUX_INITRD) $(LINUX_686) $(LINUX_INITRD_686) $(LINUX_ISO_GUESTS)" \
		image/mkiso.sh $(KERNEL) $(KEEL_CFG) $@

linux-guests: $(LINUX_ISO)
.PHONY: linux-guests
