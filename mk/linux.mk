# Stock Linux guests for the tests: Debian's current amd64 kernel (fetched with apt-get download, never
# pinned: the archive keeps only the current ABI) and an initramfs of busybox-static with tests/linux/init.
# Both go into build/keel-linux.iso as GRUB modules named vmlinuz-amd64 and initrd.
LINUX_DIR := $(BUILD)/linux
LINUX_AMD64 := $(LINUX_DIR)/vmlinuz-amd64
LINUX_INITRD := $(LINUX_DIR)/initrd.gz
# Modules from the same package for /init: the ACPI power button and the event device acpid reads.
LINUX_MODULES := $(LINUX_DIR)/modules/button.ko $(LINUX_DIR)/modules/evdev.ko
LINUX_ISO := $(BUILD)/keel-linux.iso

$(LINUX_AMD64): | $(DEPS_STAMP)
	rm -rf $(LINUX_DIR)/amd64 && mkdir -p $(LINUX_DIR)/amd64
	pkg=$$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $$2; exit}'); \
	if [ -z "$$pkg" ]; then apt-get update -q || true; \
		pkg=$$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $$2; exit}'); fi; \
	test -n "$$pkg" || { echo "linux: cannot resolve linux-image-amd64"; exit 1; }; \
	cd $(LINUX_DIR)/amd64 && apt-get download -q $$pkg && dpkg-deb -x $$pkg*.deb root
	mkdir -p $(LINUX_DIR)/modules
	cp $$(find $(LINUX_DIR)/amd64/root/lib/modules -name button.ko -path '*acpi*') \
		$$(find $(LINUX_DIR)/amd64/root/lib/modules -name evdev.ko) $(LINUX_DIR)/modules/
	cp $(LINUX_DIR)/amd64/root/boot/vmlinuz-* $@
	rm -rf $(LINUX_DIR)/amd64

$(LINUX_MODULES): $(LINUX_AMD64)

$(LINUX_INITRD): tests/linux/init mk/linux.mk $(LINUX_MODULES) | $(DEPS_STAMP)
	rm -rf $(LINUX_DIR)/initramfs && mkdir -p $(LINUX_DIR)/initramfs/bin $(LINUX_DIR)/initramfs/proc \
		$(LINUX_DIR)/initramfs/sys $(LINUX_DIR)/initramfs/dev $(LINUX_DIR)/initramfs/modules
	cp /bin/busybox $(LINUX_DIR)/initramfs/bin/busybox
	cp $(LINUX_MODULES) $(LINUX_DIR)/initramfs/modules/
	cp tests/linux/init $(LINUX_DIR)/initramfs/init
	cd $(LINUX_DIR)/initramfs && find . | cpio -o -H newc --quiet | gzip -9 > $(abspath $@)

$(LINUX_ISO): $(KERNEL) $(KEEL_CFG) $(LINUX_AMD64) $(LINUX_INITRD) grub.cfg image/mkiso.sh | $(DEPS_STAMP)
	GUESTS="$(LINUX_AMD64) $(LINUX_INITRD)" image/mkiso.sh $(KERNEL) $(KEEL_CFG) $@

linux-guests: $(LINUX_ISO)
.PHONY: linux-guests
