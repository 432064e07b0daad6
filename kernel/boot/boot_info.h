/* What the boot loader told us, copied out of the Multiboot2 information so nothing refers to loader memory. */
#ifndef KERNEL_BOOT_INFO_H
#define KERNEL_BOOT_INFO_H

#include <stdbool.h>
#include <stdint.h>

#define BOOT_MAX_MEMORY_RANGES 128
#define BOOT_MAX_MODULES 16
#define BOOT_CMDLINE_MAX 256
#define BOOT_MODULE_NAME_MAX 64

enum boot_memory_type { BOOT_MEMORY_USABLE = 1, BOOT_MEMORY_RESERVED, BOOT_MEMORY_ACPI, BOOT_MEMORY_NVS };

struct boot_memory_range {
	uint64_t base, length;
	uint32_t type;
};

struct boot_module {
	uint64_t start, end; /* physical, end exclusive */
	char name[BOOT_MODULE_NAME_MAX];
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[64];
	unsigned memory_range_count;
	struct boot_memory_range memory[BOOT_MAX_MEMORY_RANGES];
	unsigned module_count;
	struct boot_module modules[BOOT_MAX_MODULES];
	uint64_t rsdp_phys; /* 0 when the loader gave no RSDP */
	uint8_t rsdp[36];   /* the RSDP as the loader copied it (v1: 20 bytes, v2: 36) */
	bool efi;           /* booted through UEFI firmware */
	uint64_t info_phys, info_size;
};

/* What this boot's loader gave, filled in once by kmain. */
extern struct boot_info boot_info;

/* Copies the Multiboot2 information at info_phys (reachable through the boot direct map) into bi.
 * Returns 0, or -EINVAL when magic is not Multiboot2's. */
int boot_info_parse(uint32_t magic, uint64_t info_phys, struct boot_info *bi);

/* The module GRUB loaded with the given command line (e.g. "keel.cfg"), or NULL. */
const struct boot_module *boot_info_module(const struct boot_info *bi, const char *name);

#endif
