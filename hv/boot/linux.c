/* The Linux boot protocol's pure part: setup header parsing against the image's size, the placement of
 * everything in guest memory, the zero page with its e820 map, the entry GDT and identity page tables. */
#include <errno.h>
#include <string.h>
#include "bytes.h"
#include "linux.h"
#include "../guest_memory.h"

#define BOOT_FLAG 0xaa55
#define HDR_MAGIC 0x53726448u    /* "HdrS" */
#define MIN_VERSION 0x0206
#define VERSION_PREF 0x020a     /* pref_address, init_size */
#define VERSION_XLF 0x020c      /* xloadflags, the 64-bit entry */
#define VERSION_RSDP 0x020e     /* acpi_rsdp_addr */
#define HDR_END_206 0x23c       /* the header of a 2.06 kernel ends after cmdline_size */
#define HDR_END_210 0x264       /* ... of a 2.10 kernel after init_size */
#define HDR_SYSSIZE 0x1f4
#define HDR_KERNEL_VERSION 0x20e
#define ENTRY64_OFFSET 0x200
#define LEGACY_INIT_FACTOR 4    /* before 2.10 there is no init_size: assume 4x the image decompresses */
#define HEAP_END_PTR 0xde00     /* the usual 0xe000 - 0x200; unused with the 32/64-bit entries */
#define CONVENTIONAL_END 0x9fc00
#define BIOS_END 0x100000
#define FOUR_GIB (1ull << 32)
#define PAGE 4096ull
#define LARGE_PAGE (2ull << 20)

int linux_parse_header(const uint8_t *image, size_t size, struct linux_header *h)
{
	memset(h, 0, sizeof *h);
	if (!image || size < LINUX_HDR_VERSION + 2 || get16(image + LINUX_HDR_BOOT_FLAG) != BOOT_FLAG ||
	    get32(image + LINUX_HDR_MAGIC) != HDR_MAGIC)
		return -ENOEXEC;
	/* The header proper: everything past the end its jump names reads as zero, as the protocol says. */
	uint32_t end = LINUX_HDR_MAGIC + image[LINUX_HDR_JUMP + 1];
	if (end > size || end > LINUX_HDR_END_MAX || end < LINUX_HDR_VERSION + 2)
		return -EINVAL;
	uint8_t hdr[LINUX_HDR_END_MAX];
	memset(hdr, 0, sizeof hdr);
	memcpy(hdr, image, end);

	h->version = get16(hdr + LINUX_HDR_VERSION);
	h->header_end = end;
	if (h->version < MIN_VERSION)
		return -ENOTSUP;
	if (end < (h->version >= VERSION_PREF ? HDR_END_210 : HDR_END_206))
		return -EINVAL;
	h->loadflags = hdr[LINUX_HDR_LOADFLAGS];
	if (!(h->loadflags & LINUX_LOADFLAGS_LOADED_HIGH))
		return -ENOTSUP; /* a zImage, loaded at 64 KiB */
	h->setup_sects = hdr[LINUX_HDR_OFFSET];
	h->setup_size = ((h->setup_sects ? h->setup_sects : 4u) + 1) * 512;
	if (h->setup_size < end || h->setup_size >= size || size - h->setup_size > UINT32_MAX)
		return -EINVAL;
	h->kernel_size = (uint32_t)(size - h->setup_size);
	h->syssize = get32(hdr + HDR_SYSSIZE);
	if (!h->syssize || (uint64_t)h->syssize * 16 > h->kernel_size)
		return -EINVAL;
	h->code32_start = get32(hdr + LINUX_HDR_CODE32_START);
	h->initrd_addr_max = get32(hdr + LINUX_HDR_INITRD_ADDR_MAX);
	h->relocatable = hdr[LINUX_HDR_RELOCATABLE];
	if (h->relocatable > 1 || h->initrd_addr_max < LINUX_KERNEL_MIN)
		return -EINVAL;
	if (h->relocatable) {
		h->kernel_alignment = get32(hdr + LINUX_HDR_KERNEL_ALIGNMENT);
		uint32_t a = h->kernel_alignment;
		if (a < PAGE || a > (1u << 30) || (a & (a - 1)))
			return -EINVAL;
	}
	h->cmdline_size = get32(hdr + LINUX_HDR_CMDLINE_SIZE);
	h->kernel_version = get16(hdr + HDR_KERNEL_VERSION);
	if (h->version >= VERSION_PREF) {
		h->pref_address = get64(hdr + LINUX_HDR_PREF_ADDRESS);
		h->init_size = get32(hdr + LINUX_HDR_INIT_SIZE);
		if (h->pref_address < LINUX_KERNEL_MIN || (h->pref_address & (PAGE - 1)) || !h->init_size)
			return -EINVAL;
	} else {
		uint64_t guess = (uint64_t)h->kernel_size * LEGACY_INIT_FACTOR;
		if (guess > UINT32_MAX)
			return -EINVAL;
		h->pref_address = LINUX_KERNEL_MIN;
		h->init_size = (uint32_t)guess;
	}
	if (h->version >= VERSION_XLF)
		h->xloadflags = get16(hdr + LINUX_HDR_XLOADFLAGS);
	h->entry64 = (h->xloadflags & LINUX_XLF_KERNEL_64) && h->kernel_size > ENTRY64_OFFSET;
	return 0;
}

void linux_kernel_version(const uint8_t *image, size_t size, const struct linux_header *h, char *out,
			  size_t outlen)
{
	if (!outlen)
		return;
	out[0] = 0;
	uint64_t at = (uint64_t)h->kernel_version + 0x200;
	if (!h->kernel_version || at >= size || at >= h->setup_size)
		return;
	size_t n = 0;
	while (n + 1 < outlen && at + n < h->setup_size && image[at + n] >= 0x20 && image[at + n] < 0x7f) {
		out[n] = (char)image[at + n];
		n++;
	}
	out[n] = 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Whether [addr, addr + len) fits below top (overflow-safe). */
static int fits(uint64_t addr, uint64_t len, uint64_t top)
{
	return addr <= top && len <= top - addr;
}

int linux_plan(const struct linux_header *h, const struct linux_layout_request *req, struct linux_layout *l)
{
	memset(l, 0, sizeof *l);
	if (!req->ram_bytes)
		return -EINVAL;
	if (req->cmdline_len > h->cmdline_size || req->cmdline_len >= LINUX_CMDLINE_LIMIT - LINUX_CMDLINE_ADDR)
		return -E2BIG;
	l->low_top = (req->ram_bytes < GUEST_LOW_RAM_LIMIT ? req->ram_bytes : GUEST_LOW_RAM_LIMIT) & ~(PAGE - 1);
	if (l->low_top <= LINUX_KERNEL_MIN)
		return -ENOMEM;
	uint64_t top = l->low_top; /* the highest free address for the kernel and the initrd */
	if (req->acpi_size) {
		l->acpi_size = align_up(req->acpi_size, PAGE);
		if (l->acpi_size > top - LINUX_KERNEL_MIN)
			return -ENOMEM;
		l->acpi = top - l->acpi_size;
		top = l->acpi;
	}

	/* The kernel: at its preferred address; a relocatable one anywhere aligned when that does not fit. */
	uint64_t need = h->init_size > h->kernel_size ? h->init_size : h->kernel_size;
	l->kernel_addr = h->pref_address;
	if (!fits(l->kernel_addr, need, top)) {
		if (!h->relocatable)
			return -ENOMEM;
		l->kernel_addr = align_up(LINUX_KERNEL_MIN, h->kernel_alignment);
		if (!fits(l->kernel_addr, need, top))
			return -ENOMEM;
	}
	l->kernel_end = l->kernel_addr + need;
	l->entry64 = h->entry64 && req->allow_64;
	l->entry = l->kernel_addr + (l->entry64 ? ENTRY64_OFFSET : 0);

	/* The initrd: page-aligned, as high as initrd_addr_max allows, above the kernel's init_size, else below
	 * the kernel (still above 1 MiB). */
	if (req->initrd_size) {
		uint64_t size = req->initrd_size, itop = top;
		if ((uint64_t)h->initrd_addr_max + 1 < itop)
			itop = (uint64_t)h->initrd_addr_max + 1;
		uint64_t at = itop >= size ? (itop - size) & ~(PAGE - 1) : 0;
		if (itop < size || at < l->kernel_end) {
			uint64_t below = l->kernel_addr < itop ? l->kernel_addr : itop;
			if (below < size || ((below - size) & ~(PAGE - 1)) < LINUX_KERNEL_MIN)
				return -ENOMEM;
			at = (below - size) & ~(PAGE - 1);
		}
		l->initrd = at;
		l->initrd_size = size;
	}
	l->zero_page = LINUX_ZERO_PAGE_ADDR;
	l->cmdline = LINUX_CMDLINE_ADDR;
	l->gdt = LINUX_GDT_ADDR;
	l->page_tables = l->entry64 ? LINUX_PAGE_TABLES_ADDR : 0;
	return 0;
}

static size_t e820_add(struct linux_e820_entry *e, size_t n, size_t max, uint64_t addr, uint64_t end, uint32_t type)
{
	if (end <= addr || n >= max)
		return n;
	e[n] = (struct linux_e820_entry){ addr, end - addr, type };
	return n + 1;
}

size_t linux_e820(const struct linux_layout *l, uint64_t ram_bytes, struct linux_e820_entry *e, size_t max)
{
	size_t n = 0;
	uint64_t ram_end = l->acpi_size ? l->acpi : l->low_top;
	n = e820_add(e, n, max, 0, CONVENTIONAL_END, LINUX_E820_RAM);
	n = e820_add(e, n, max, CONVENTIONAL_END, BIOS_END, LINUX_E820_RESERVED);
	n = e820_add(e, n, max, BIOS_END, ram_end, LINUX_E820_RAM);
	if (l->acpi_size) {
		n = e820_add(e, n, max, l->acpi, l->acpi + l->acpi_size, LINUX_E820_ACPI);
		n = e820_add(e, n, max, l->acpi + l->acpi_size, l->low_top, LINUX_E820_RAM);
	}
	if (ram_bytes > GUEST_LOW_RAM_LIMIT)
		n = e820_add(e, n, max, FOUR_GIB, FOUR_GIB + (ram_bytes - GUEST_LOW_RAM_LIMIT), LINUX_E820_RAM);
	return n;
}

void linux_zero_page(const uint8_t *image, const struct linux_header *h, const struct linux_layout *l,
		     uint64_t ram_bytes, uint64_t rsdp_addr, uint8_t zp[LINUX_ZP_SIZE])
{
	memset(zp, 0, LINUX_ZP_SIZE);
	memcpy(zp + LINUX_HDR_OFFSET, image + LINUX_HDR_OFFSET, h->header_end - LINUX_HDR_OFFSET);
	zp[LINUX_HDR_TYPE_OF_LOADER] = 0xff;
	zp[LINUX_HDR_LOADFLAGS] = (uint8_t)(h->loadflags | LINUX_LOADFLAGS_CAN_USE_HEAP);
	put16(zp + LINUX_HDR_HEAP_END_PTR, HEAP_END_PTR);
	put32(zp + LINUX_HDR_CODE32_START, (uint32_t)l->kernel_addr);
	put32(zp + LINUX_HDR_CMD_LINE_PTR, (uint32_t)l->cmdline);
	put32(zp + LINUX_ZP_EXT_CMD_LINE_PTR, (uint32_t)(l->cmdline >> 32));
	put32(zp + LINUX_HDR_RAMDISK_IMAGE, (uint32_t)l->initrd);
	put32(zp + LINUX_HDR_RAMDISK_SIZE, (uint32_t)l->initrd_size);
	put32(zp + LINUX_ZP_EXT_RAMDISK_IMAGE, (uint32_t)(l->initrd >> 32));
	put32(zp + LINUX_ZP_EXT_RAMDISK_SIZE, (uint32_t)(l->initrd_size >> 32));
	if (h->version >= VERSION_PREF)
		put64(zp + LINUX_HDR_SETUP_DATA, 0);
	if (h->version >= VERSION_RSDP && rsdp_addr)
		put64(zp + LINUX_ZP_ACPI_RSDP_ADDR, rsdp_addr);
	put32(zp + LINUX_ZP_ALT_MEM_K, (uint32_t)((l->low_top - BIOS_END) >> 10));

	struct linux_e820_entry e[LINUX_E820_MAX];
	size_t n = linux_e820(l, ram_bytes, e, LINUX_E820_MAX);
	zp[LINUX_ZP_E820_ENTRIES] = (uint8_t)n;
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = zp + LINUX_ZP_E820_TABLE + i * 20;
		put64(p, e[i].addr);
		put64(p + 8, e[i].size);
		put32(p + 16, e[i].type);
	}
}

void linux_gdt(uint8_t gdt[LINUX_GDT_SIZE], bool long64)
{
	memset(gdt, 0, LINUX_GDT_SIZE);
	/* Flat, base 0, limit 4 GiB, present, DPL 0, accessed: code execute/read (L=1 D=0 for 64-bit, else D=1),
	 * data read/write. */
	put64(gdt + LINUX_BOOT_CS, long64 ? 0x00af9b000000ffffull : 0x00cf9b000000ffffull);
	put64(gdt + LINUX_BOOT_DS, 0x00cf93000000ffffull);
}

int linux_page_tables(uint8_t *buf, size_t cap, uint64_t base)
{
	enum { P = 1, RW = 2, PWT = 8, PCD = 16, PS = 0x80 };
	if (cap < LINUX_PAGE_TABLES_SIZE || (base & (PAGE - 1)))
		return -EINVAL;
	memset(buf, 0, LINUX_PAGE_TABLES_SIZE);
	put64(buf, (base + PAGE) | P | RW); /* PML4[0] -> PDPT */
	for (unsigned i = 0; i < 4; i++) {
		put64(buf + PAGE + i * 8, (base + (2 + i) * PAGE) | P | RW);
		for (unsigned j = 0; j < 512; j++) {
			uint64_t addr = ((uint64_t)i * 512 + j) * LARGE_PAGE;
			uint64_t flags = P | RW | PS | (addr >= GUEST_LOW_RAM_LIMIT ? PWT | PCD : 0);
			put64(buf + (2 + i) * PAGE + j * 8, addr | flags);
		}
	}
	return 0;
}
