# Test guests (tests/guests/NAME/*.c): tiny Multiboot kernels that report on COM1. Each links with the shared
# runtime in tests/guests/lib into build/guests/NAME.elf.
GUEST_NAMES := $(notdir $(patsubst %/,%,$(filter-out tests/guests/lib/,$(dir $(wildcard tests/guests/*/*.c)))))
GUESTS := $(GUEST_NAMES:%=$(BUILD)/guests/%.elf)
GUEST_CFLAGS := -m32 -std=gnu11 -O2 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -mno-sse \
	-fno-asynchronous-unwind-tables -Wall -Wextra -Werror
GUEST_LIB := tests/guests/lib/multiboot.S tests/guests/lib/guest.c

$(BUILD)/guests/%.elf: tests/guests/%/*.c $(GUEST_LIB) tests/guests/lib/guest.h tests/guests/lib/guest32.ld
	@mkdir -p $(dir $@)
	gcc $(GUEST_CFLAGS) -nostdlib -static -Wl,-m,elf_i386 -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -Wl,-T,tests/guests/lib/guest32.ld \
		-o $@ $(GUEST_LIB) $(filter %.c,$(wildcard tests/guests/$*/*.c))

guests: $(GUESTS)
.PHONY: guests
