/* libFuzzer target for hv/boot/linux.c: any byte string, as an image and as the start of a larger zero-padded
 * one, parses without reading past its end; an accepted header plans a layout whose pieces stay inside RAM,
 * apart from each other and within the header's limits, and the zero page and e820 map are consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../hv/boot/linux.h"
#include "../../hv/guest_memory.h"

#define PADDED_SIZE (160 * 1024) /* room for setup_sects up to 255 */
#define MIB (1ull << 20)

static void check_layout(const uint8_t *image, const struct linux_header *h, uint64_t ram, uint64_t initrd,
			 size_t cmdline)
{
	struct linux_layout_request r = { .ram_bytes = ram, .cmdline_len = cmdline, .initrd_size = initrd,
					  .acpi_size = 16384, .allow_64 = true };
	struct linux_layout l;
	if (linux_plan(h, &r, &l))
		return;
	uint64_t top = l.acpi;
	if (l.kernel_addr < LINUX_KERNEL_MIN || l.kernel_end < l.kernel_addr || l.kernel_end > top ||
	    l.kernel_end - l.kernel_addr < h->kernel_size || l.kernel_end - l.kernel_addr < h->init_size)
		abort();
	if (!h->relocatable && l.kernel_addr != h->pref_address)
		abort();
	if (l.entry64 && (!h->entry64 || l.entry != l.kernel_addr + 0x200))
		abort();
	if (cmdline > h->cmdline_size || l.acpi + l.acpi_size != l.low_top || l.acpi % 4096)
		abort();
	if (initrd) {
		if (l.initrd % 4096 || l.initrd < LINUX_KERNEL_MIN || l.initrd_size != initrd ||
		    l.initrd + initrd > top || l.initrd + initrd - 1 > h->initrd_addr_max)
			abort();
		if (l.initrd < l.kernel_end && l.initrd + initrd > l.kernel_addr)
			abort();
	}
	static uint8_t zp[LINUX_ZP_SIZE];
	linux_zero_page(image, h, &l, ram, l.acpi, zp);
	unsigned n = zp[LINUX_ZP_E820_ENTRIES];
	if (n < 4 || n > LINUX_E820_MAX || zp[LINUX_HDR_TYPE_OF_LOADER] != 0xff)
		abort();
	uint64_t prev_end = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t addr, size;
		memcpy(&addr, zp + LINUX_ZP_E820_TABLE + i * 20, 8);
		memcpy(&size, zp + LINUX_ZP_E820_TABLE + i * 20 + 8, 8);
		if (!size || addr < prev_end)
			abort();
		prev_end = addr + size;
	}
}

static void one(const uint8_t *image, size_t size, const uint8_t *data, size_t len)
{
	struct linux_header h;
	if (linux_parse_header(image, size, &h))
		return;
	if (h.setup_size >= size || h.kernel_size != size - h.setup_size || h.header_end > size ||
	    (uint64_t)h.syssize * 16 > h.kernel_size || h.pref_address < LINUX_KERNEL_MIN)
		abort();
	char ver[80];
	linux_kernel_version(image, size, &h, ver, sizeof ver);
	if (strlen(ver) >= sizeof ver)
		abort();
	/* A few machine sizes and initrd sizes chosen by the input's last bytes. */
	uint8_t a = len ? data[len - 1] : 0, b = len > 1 ? data[len - 2] : 0;
	static const uint64_t rams[] = { 16 * MIB, 128 * MIB, 2048 * MIB, 5ull << 30 };
	uint64_t initrd = (uint64_t)b << (a & 31);
	for (size_t i = 0; i < sizeof rams / sizeof rams[0]; i++)
		check_layout(image, &h, rams[i], initrd, (size_t)a * 9);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t padded[PADDED_SIZE];
	/* The input exactly: every read beyond it is an ASan report. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	one(copy, size, data, size);
	free(copy);
	/* The input as the head of a larger image. */
	memset(padded, 0, sizeof padded);
	memcpy(padded, data, size < sizeof padded ? size : sizeof padded);
	one(padded, sizeof padded, data, size);
	return 0;
}
