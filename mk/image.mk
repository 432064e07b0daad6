# Images: `make iso` (hybrid BIOS+UEFI ISO, dd-able to a USB stick), `make pxe` (GRUB netboot tree) and
# `make run` (boot the ISO in QEMU with the serial console on this terminal). KEEL_CFG=file ships another
# configuration; KERNEL (from mk/kernel.mk) is the Multiboot2 ELF that goes in.
KERNEL ?= $(BUILD)/keel.elf
KEEL_CFG ?= image/keel.cfg
ISO := $(BUILD)/keel.iso
PXE_DIR := $(BUILD)/pxe
PXE_STAMP := $(PXE_DIR)/.built

$(ISO): $(KERNEL) $(KEEL_CFG) grub.cfg image/mkiso.sh | $(DEPS_STAMP)
	image/mkiso.sh $(KERNEL) $(KEEL_CFG) $@

$(PXE_STAMP): $(KERNEL) $(KEEL_CFG) grub.cfg image/mkpxe.sh | $(DEPS_STAMP)
	image/mkpxe.sh $(KERNEL) $(KEEL_CFG) $(PXE_DIR)
	touch $@

iso: $(ISO)
pxe: $(PXE_STAMP)

# Serial console on stdio, multiplexed with QEMU's monitor: Ctrl-A X quits, Ctrl-A C toggles the monitor.
RUN_QEMU := qemu-system-x86_64 -accel tcg -machine q35 -cpu max -smp 4 -m 2048 -cdrom $(ISO) -nographic
run: $(ISO)
	@echo "run: Keel's serial console follows; quit QEMU with Ctrl-A then X."
	$(RUN_QEMU) $(RUN_ARGS)

.PHONY: iso pxe run
