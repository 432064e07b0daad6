/* Reads the Multiboot2 information tags into struct boot_info. Tag layouts are those of the Multiboot2
 * specification; every length is bounded by the information block's own size. */
#include <errno.h>
#include <string.h>
#include "kernel/boot/boot_info.h"
#include "kernel/mm/phys.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289

enum {
	TAG_END = 0,
	TAG_CMDLINE = 1,
	TAG_LOADER_NAME = 2,
	TAG_MODULE = 3,
	TAG_MMAP = 6,
	TAG_EFI64 = 12,
	TAG_ACPI_OLD = 14,
	TAG_ACPI_NEW = 15,
	TAG_EFI_MMAP = 17,
};

struct tag {
	uint32_t type, size;
};

static void copy_string(char *dst, size_t cap, const char *src, size_t avail)
{
	size_t n = strnlen(src, avail);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void parse_mmap(struct boot_info *bi, const uint8_t *body, uint32_t len)
{
	if (len < 8)
		return;
	uint32_t entry_size, off = 8;
	memcpy(&entry_size, body, 4);
	if (entry_size < 24)
		return;
	for (; off + entry_size <= len && bi->memory_range_count < BOOT_MAX_MEMORY_RANGES; off += entry_size) {
		struct boot_memory_range *r = &bi->memory[bi->memory_range_count++];
		memcpy(&r->base, body + off, 8);
		memcpy(&r->length, body + off + 8, 8);
		memcpy(&r->type, body + off + 16, 4);
		if (r->type < BOOT_MEMORY_USABLE || r->type > BOOT_MEMORY_NVS)
			r->type = BOOT_MEMORY_RESERVED;
	}
}

int boot_info_parse(uint32_t magic, uint64_t info_phys, struct boot_info *bi)
{
	memset(bi, 0, sizeof *bi);
	if (magic != MB2_BOOTLOADER_MAGIC)
		return -EINVAL;
	const uint8_t *info = phys_to_virt(info_phys);
	uint32_t total;
	memcpy(&total, info, 4);
	bi->info_phys = info_phys;
	bi->info_size = total;

	for (uint32_t off = 8; off + sizeof(struct tag) <= total;) {
		struct tag t;
		memcpy(&t, info + off, sizeof t);
		if (t.type == TAG_END || t.size < sizeof t || t.size > total - off)
			break;
		const uint8_t *body = info + off + sizeof t;
		uint32_t len = t.size - sizeof t;
		switch (t.type) {
		case TAG_CMDLINE:
			copy_string(bi->cmdline, sizeof bi->cmdline, (const char *)body, len);
			break;
		case TAG_LOADER_NAME:
			copy_string(bi->loader, sizeof bi->loader, (const char *)body, len);
			break;
		case TAG_MODULE:
			if (len >= 8 && bi->module_count < BOOT_MAX_MODULES) {
				struct boot_module *m = &bi->modules[bi->module_count++];
				uint32_t start, end;
				memcpy(&start, body, 4);
				memcpy(&end, body + 4, 4);
				m->start = start;
				m->end = end >= start ? end : start;
				copy_string(m->name, sizeof m->name, (const char *)body + 8, len - 8);
			}
			break;
		case TAG_MMAP:
			parse_mmap(bi, body, len);
			break;
		case TAG_EFI64:
		case TAG_EFI_MMAP:
			bi->efi = true;
			break;
		case TAG_ACPI_OLD:
		case TAG_ACPI_NEW:
			/* Prefer the ACPI 2.0 RSDP when both are given. */
			if (len >= 20 && (t.type == TAG_ACPI_NEW || !bi->rsdp_phys)) {
				memcpy(bi->rsdp, body, len < sizeof bi->rsdp ? len : sizeof bi->rsdp);
				bi->rsdp_phys = info_phys + off + sizeof t;
			}
			break;
		default:
			break;
		}
		off += (t.size + 7) & ~7u;
	}
	return 0;
}

const struct boot_module *boot_info_module(const struct boot_info *bi, const char *name)
{
	for (unsigned i = 0; i < bi->module_count; i++)
		if (!strcmp(bi->modules[i].name, name))
			return &bi->modules[i];
	return NULL;
}
