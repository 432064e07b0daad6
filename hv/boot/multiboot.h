/* Multiboot (version 1) as the specification defines it: the image header, and the information structure
 * Keel hands the kernel. Pure parsing, shared with unit tests. */
#ifndef HV_BOOT_MULTIBOOT_H
#define HV_BOOT_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#define MULTIBOOT_HEADER_MAGIC 0x1badb002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u
#define MULTIBOOT_SEARCH_LIMIT 8192

struct multiboot_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr; /* with flag bit 16 */
};

/* The header's offset in image plus one, or 0 when the first 8 KiB hold no valid header. */
size_t multiboot_find_header(const uint8_t *image, size_t size);

#endif
