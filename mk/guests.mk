# Test guests: each directory tests/guests/NAME holds one guest (its .c and .S files), linked with the runtime
# in tests/guests/lib. Most are Multiboot ELF32 kernels in 32-bit protected mode (build/guests/NAME.elf).
# GUESTS_LONG run in long mode: compiled 64-bit, linked as ELF64 at 1 MiB, converted to ELF32 for Multiboot
# (build/guests/NAME.elf). GUESTS_REAL are flat real-mode images for 0000:7C00 (build/guests/NAME.bin); their
# first sector is a boot sector that loads the rest under a BIOS, so NAME.img (the same padded to a 1.44 MB
# floppy, `make guest-images`) boots under plain QEMU for testing without Keel.
GUEST_NAMES := $(sort $(notdir $(patsubst %/,%,$(filter-out tests/guests/lib/,$(dir $(wildcard tests/guests/*/*.c))))))
GUESTS_REAL := $(filter realmode,$(GUEST_NAMES))
GUESTS_LONG := $(filter long64,$(GUEST_NAMES))
GUESTS_32 := $(filter-out $(GUESTS_REAL) $(GUESTS_LONG),$(GUEST_NAMES))
GUESTS := $(GUESTS_32:%=$(BUILD)/guests/%.elf) $(GUESTS_LONG:%=$(BUILD)/guests/%.elf) \
	$(GUESTS_REAL:%=$(BUILD)/guests/%.bin)
GUEST_IMAGES := $(GUESTS_REAL:%=$(BUILD)/guests/%.img)

GUEST_CFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -mno-sse -mno-mmx \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns -ffunction-sections -fdata-sections -Wall -Wextra -Werror
GUEST_LDFLAGS := -nostdlib -static -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
	-Wl,--gc-sections
GUEST_CFLAGS_32 := -m32 -O2 $(GUEST_CFLAGS)
GUEST_CFLAGS_64 := -m64 -O2 -mno-red-zone -mcmodel=small $(GUEST_CFLAGS)
GUEST_CFLAGS_16 := -m16 -Os -DGUEST_REAL16 $(GUEST_CFLAGS)
L := tests/guests/lib
GUEST_LIB_COMMON := $(L)/gdt.S $(L)/guest.c $(L)/platform.c $(L)/mmio_forms.c
GUEST_LIB_32 := $(L)/multiboot.S $(L)/trap32.S $(L)/trap.c $(GUEST_LIB_COMMON)
GUEST_LIB_64 := $(L)/entry64.S $(L)/trap64.S $(L)/trap.c $(GUEST_LIB_COMMON)
GUEST_LIB_16 := $(L)/entry16.S $(GUEST_LIB_COMMON)
guest_sources = $(wildcard tests/guests/$(1)/*.c tests/guests/$(1)/*.S)

# Every guest depends on its own sources, the whole runtime and this file.
$(foreach g,$(GUEST_NAMES),$(eval $(BUILD)/guests/$(g).elf $(BUILD)/guests/$(g).bin: \
	$(call guest_sources,$(g)) $(wildcard $(L)/*) mk/guests.mk))

$(GUESTS_32:%=$(BUILD)/guests/%.elf): $(BUILD)/guests/%.elf:
	@mkdir -p $(dir $@)
	gcc $(GUEST_CFLAGS_32) $(GUEST_LDFLAGS) -Wl,-m,elf_i386 -Wl,-T,$(L)/guest32.ld \
		-o $@ $(GUEST_LIB_32) $(call guest_sources,$*)

$(GUESTS_LONG:%=$(BUILD)/guests/%.elf): $(BUILD)/guests/%.elf:
	@mkdir -p $(dir $@)
	gcc $(GUEST_CFLAGS_64) $(GUEST_LDFLAGS) -Wl,-m,elf_x86_64 -Wl,-T,$(L)/guest64.ld \
		-o $@.64 $(GUEST_LIB_64) $(call guest_sources,$*)
	objcopy -I elf64-x86-64 -O elf32-i386 $@.64 $@

$(GUESTS_REAL:%=$(BUILD)/guests/%.bin): $(BUILD)/guests/%.bin:
	@mkdir -p $(dir $@)
	gcc $(GUEST_CFLAGS_16) $(GUEST_LDFLAGS) -Wl,-m,elf_i386 -Wl,-T,$(L)/guest16.ld \
		-o $(@:.bin=.elf16) $(GUEST_LIB_16) $(call guest_sources,$*)
	objcopy -O binary $(@:.bin=.elf16) $@

$(BUILD)/guests/%.img: $(BUILD)/guests/%.bin
	cp $< $@
	truncate -s 1474560 $@

guests: $(GUESTS)
guest-images: $(GUEST_IMAGES)
.PHONY: guests guest-images
