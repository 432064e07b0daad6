/* Unit tests for hv/boot/linux.c on synthetic bzImages: header acceptance and rejection (every truncation
 * too), the layout (kernel, initrd, command line, ACPI region), the e820 map, the zero page, the GDT and the
 * 64-bit entry's identity page tables. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "check.h"
#include "../../hv/boot/linux.h"
#include "../../hv/guest_memory.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define IMAGE_SIZE 0x4000
#define SETUP_SECTS 4

static uint8_t image[IMAGE_SIZE];

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v), put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v), put32(p + 4, (uint32_t)(v >> 32)); }

/* A 2.15 x86_64 bzImage as Debian's looks: relocatable, 2 MiB alignment, pref 16 MiB, 32 MiB init_size. */
static void make_image(void)
{
	memset(image, 0x5a, sizeof image); /* junk everywhere the header does not define */
	memset(image + 0x1f1, 0, 0x290 - 0x1f1);
	image[0x1f1] = SETUP_SECTS;
	put32(image + 0x1f4, (IMAGE_SIZE - (SETUP_SECTS + 1) * 512) / 16); /* syssize */
	put16(image + 0x1fe, 0xaa55);
	image[0x200] = 0xeb;
	image[0x201] = 0x6a; /* header ends at 0x26c */
	memcpy(image + 0x202, "HdrS", 4);
	put16(image + 0x206, 0x020f);
	put16(image + 0x20e, 0x100); /* kernel_version: string at 0x300 */
	memcpy(image + 0x300, "6.1.0-test (keel@test) #1 SMP", 30);
	image[0x211] = LINUX_LOADFLAGS_LOADED_HIGH;
	put32(image + 0x214, 0x100000);
	put32(image + 0x22c, 0x7fffffff);
	put32(image + 0x230, 0x200000);
	image[0x234] = 1;
	image[0x235] = 21;
	put16(image + 0x236, 0x7f);
	put32(image + 0x238, 2047);
	put64(image + 0x258, 0x1000000);
	put32(image + 0x260, 0x2000000);
	memset(image + 0x26c, 0x77, 0x290 - 0x26c); /* past the header's end: must read as zero */
}

static int parse(struct linux_header *h)
{
	return linux_parse_header(image, sizeof image, h);
}

static void test_accept(void)
{
	struct linux_header h;
	char ver[64];
	make_image();
	CHECK_EQ(parse(&h), 0);
	CHECK_EQ(h.version, 0x020f);
	CHECK_EQ(h.header_end, 0x26c);
	CHECK_EQ(h.setup_size, 5 * 512);
	CHECK_EQ(h.kernel_size, IMAGE_SIZE - 5 * 512);
	CHECK_EQ(h.pref_address, 0x1000000);
	CHECK_EQ(h.init_size, 0x2000000);
	CHECK_EQ(h.kernel_alignment, 0x200000);
	CHECK_EQ(h.relocatable, 1);
	CHECK_EQ(h.cmdline_size, 2047);
	CHECK_EQ(h.initrd_addr_max, 0x7fffffff);
	CHECK_EQ(h.xloadflags, 0x7f);
	CHECK(h.entry64);
	linux_kernel_version(image, sizeof image, &h, ver, sizeof ver);
	CHECK_STR(ver, "6.1.0-test (keel@test) #1 SMP");
	linux_kernel_version(image, sizeof image, &h, ver, 6);
	CHECK_STR(ver, "6.1.0");

	/* setup_sects 0 means 4. */
	make_image();
	image[0x1f1] = 0;
	CHECK_EQ(parse(&h), 0);
	CHECK_EQ(h.setup_size, 5 * 512);

	/* An i386 kernel: no XLF_KERNEL_64. */
	make_image();
	put16(image + 0x236, 0x7e);
	CHECK_EQ(parse(&h), 0);
	CHECK(!h.entry64);

	/* 2.11 has no xloadflags: the bits there do not count. */
	make_image();
	put16(image + 0x206, 0x020b);
	CHECK_EQ(parse(&h), 0);
	CHECK(!h.entry64);
	CHECK_EQ(h.xloadflags, 0);

	/* 2.06: header ends at 0x23c; pref and init_size are defaults, junk after the end is ignored. */
	make_image();
	put16(image + 0x206, 0x0206);
	image[0x201] = 0x3a;
	CHECK_EQ(parse(&h), 0);
	CHECK_EQ(h.pref_address, 0x100000);
	CHECK_EQ(h.init_size, 4 * h.kernel_size);
	CHECK(!h.entry64);

	/* Not relocatable: alignment is not looked at. */
	make_image();
	image[0x234] = 0;
	put32(image + 0x230, 3);
	CHECK_EQ(parse(&h), 0);
	CHECK_EQ(h.kernel_alignment, 0);
}

/* One field changed from the good image; the result parse gives. */
static int with_u8(unsigned off, uint8_t v)
{
	struct linux_header h;
	make_image();
	image[off] = v;
	return parse(&h);
}

static int with_u16(unsigned off, uint16_t v)
{
	struct linux_header h;
	make_image();
	put16(image + off, v);
	return parse(&h);
}

static int with_u32(unsigned off, uint32_t v)
{
	struct linux_header h;
	make_image();
	put32(image + off, v);
	return parse(&h);
}

static int with_u64(unsigned off, uint64_t v)
{
	struct linux_header h;
	make_image();
	put64(image + off, v);
	return parse(&h);
}

static void test_reject(void)
{
	struct linux_header h;
	CHECK_EQ(linux_parse_header(NULL, 0, &h), -ENOEXEC);
	CHECK_EQ(with_u16(0x1fe, 0x55aa), -ENOEXEC);
	CHECK_EQ(with_u8(0x202, 'h'), -ENOEXEC);
	CHECK_EQ(with_u16(0x206, 0x0205), -ENOTSUP);
	CHECK_EQ(with_u16(0x206, 0x0100), -ENOTSUP);
	CHECK_EQ(with_u8(0x211, 0x80), -ENOTSUP);          /* zImage */
	CHECK_EQ(with_u8(0x201, 0xff), -EINVAL);           /* header past the zero page's */
	CHECK_EQ(with_u8(0x201, 0x00), -EINVAL);           /* header without a version */
	CHECK_EQ(with_u8(0x201, 0x3a), -EINVAL);           /* 2.15 header cut at 2.06's end */
	CHECK_EQ(with_u8(0x1f1, 0xff), -EINVAL);           /* setup larger than the image */
	CHECK_EQ(with_u8(0x1f1, 31), -EINVAL);             /* setup == the image: no kernel */
	CHECK_EQ(with_u8(0x1f1, 30), -EINVAL);             /* one sector of kernel left, syssize says more */
	CHECK_EQ(with_u32(0x1f4, 0), -EINVAL);             /* syssize 0 */
	make_image();
	image[0x1f1] = 30;
	put32(image + 0x1f4, 512 / 16);
	CHECK_EQ(parse(&h), 0);                            /* one sector of kernel, as syssize says */
	CHECK_EQ(h.kernel_size, 512);
	CHECK_EQ(with_u32(0x1f4, (IMAGE_SIZE - 5 * 512) / 16 + 1), -EINVAL); /* syssize past the end */
	CHECK_EQ(with_u32(0x1f4, 0xffffffff), -EINVAL);
	CHECK_EQ(with_u32(0x230, 0), -EINVAL);             /* relocatable with no alignment */
	CHECK_EQ(with_u32(0x230, 0x300000), -EINVAL);      /* not a power of two */
	CHECK_EQ(with_u32(0x230, 0x800), -EINVAL);         /* below a page */
	CHECK_EQ(with_u32(0x230, 0x80000000), -EINVAL);    /* above 1 GiB */
	CHECK_EQ(with_u8(0x234, 2), -EINVAL);
	CHECK_EQ(with_u64(0x258, 0x80000), -EINVAL);       /* pref below 1 MiB */
	CHECK_EQ(with_u64(0x258, 0x1000800), -EINVAL);     /* pref unaligned */
	CHECK_EQ(with_u32(0x260, 0), -EINVAL);             /* no init_size */
	CHECK_EQ(with_u32(0x22c, 0xfffff), -EINVAL);       /* initrd_addr_max below 1 MiB */

	/* Every truncation of a good image is refused, without a read past the end (ASan watches). */
	make_image();
	unsigned ok = 0, refused = 0;
	for (size_t n = 0; n <= 5 * 512; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, image, n);
		int e = linux_parse_header(copy, n, &h);
		refused += e != 0;
		ok += e == 0;
		free(copy);
	}
	CHECK_EQ(ok, 0);
	CHECK_EQ(refused, 5 * 512 + 1);
}

static struct linux_layout_request request(uint64_t ram)
{
	return (struct linux_layout_request){ .ram_bytes = ram, .cmdline_len = 20, .initrd_size = 3 * MIB + 123,
					      .acpi_size = 16384, .allow_64 = true };
}

static void test_layout(void)
{
	struct linux_header h;
	struct linux_layout l;
	make_image();
	CHECK_EQ(parse(&h), 0);

	struct linux_layout_request r = request(128 * MIB);
	CHECK_EQ(linux_plan(&h, &r, &l), 0);
	CHECK(l.entry64);
	CHECK_EQ(l.low_top, 128 * MIB);
	CHECK_EQ(l.kernel_addr, 0x1000000);
	CHECK_EQ(l.kernel_end, 0x1000000 + 0x2000000);
	CHECK_EQ(l.entry, 0x1000200);
	CHECK_EQ(l.acpi, 128 * MIB - 16384);
	CHECK_EQ(l.acpi_size, 16384);
	CHECK_EQ(l.initrd_size, 3 * MIB + 123);
	CHECK_EQ(l.initrd % 4096, 0);
	CHECK(l.initrd >= l.kernel_end);
	CHECK(l.initrd + l.initrd_size <= l.acpi);
	CHECK(l.acpi - (l.initrd + l.initrd_size) < 4096); /* as high as it goes */
	CHECK_EQ(l.zero_page, LINUX_ZERO_PAGE_ADDR);
	CHECK_EQ(l.cmdline, LINUX_CMDLINE_ADDR);
	CHECK_EQ(l.page_tables, LINUX_PAGE_TABLES_ADDR);

	/* The 32-bit entry when the backend cannot start in long mode, or for an i386 kernel. */
	r.allow_64 = false;
	CHECK_EQ(linux_plan(&h, &r, &l), 0);
	CHECK(!l.entry64);
	CHECK_EQ(l.entry, l.kernel_addr);
	CHECK_EQ(l.page_tables, 0);

	/* initrd_addr_max below the top of RAM bounds the initrd's end. */
	put32(image + 0x22c, 0x37ffffff);
	CHECK_EQ(parse(&h), 0);
	r = request(2 * GIB);
	CHECK_EQ(linux_plan(&h, &r, &l), 0);
	CHECK(l.initrd + l.initrd_size <= 0x38000000ull);
	CHECK(0x38000000ull - (l.initrd + l.initrd_size) < 4096);
	make_image();
	CHECK_EQ(parse(&h), 0);

	/* A relocatable kernel that does not fit at pref goes to the first aligned address above 1 MiB. */
	r = request(40 * MIB);
	r.initrd_size = 0;
	CHECK_EQ(linux_plan(&h, &r, &l), 0);
	CHECK_EQ(l.kernel_addr, 0x200000);
	CHECK_EQ(l.initrd, 0);
	/* ... unless it is not relocatable. */
	image[0x234] = 0;
	CHECK_EQ(parse(&h), 0);
	CHECK_EQ(linux_plan(&h, &r, &l), -ENOMEM);
	make_image();
	CHECK_EQ(parse(&h), 0);

	/* An initrd that does not fit above the kernel goes below it; one that fits nowhere is refused. */
	r = request(56 * MIB);
	r.initrd_size = 10 * MIB;
	CHECK_EQ(linux_plan(&h, &r, &l), 0);
	CHECK_EQ(l.kernel_addr, 0x1000000);
	CHECK(l.initrd >= MIB && l.initrd + l.initrd_size <= l.kernel_addr);
	r.initrd_size = 40 * MIB;
	CHECK_EQ(linux_plan(&h, &r, &l), -ENOMEM);
	r.initrd_size = ~0ull;
	CHECK_EQ(linux_plan(&h, &r, &l), -ENOMEM);

	/* The command line: up to cmdline_size characters. */
	r = request(128 * MIB);
	r.cmdline_len = 2047;
	CHECK_EQ(linux_plan(&h, &r, &l), 0);
	r.cmdline_len = 2048;
	CHECK_EQ(linux_plan(&h, &r, &l), -E2BIG);

	/* Too little RAM, no RAM, an ACPI region larger than RAM, init_size that fits nowhere. */
	r = request(32 * MIB);
	CHECK_EQ(linux_plan(&h, &r, &l), -ENOMEM);
	r = request(MIB);
	CHECK_EQ(linux_plan(&h, &r, &l), -ENOMEM);
	r = request(0);
	CHECK_EQ(linux_plan(&h, &r, &l), -EINVAL);
	r = request(128 * MIB);
	r.acpi_size = 128 * MIB;
	CHECK_EQ(linux_plan(&h, &r, &l), -ENOMEM);
	put32(image + 0x260, 0xffffffff);
	CHECK_EQ(parse(&h), 0);
	r = request(2 * GIB);
	CHECK_EQ(linux_plan(&h, &r, &l), -ENOMEM);
	put64(image + 0x258, 0xfffffffffffff000ull); /* pref near 2^64: no overflow */
	put32(image + 0x260, 0x2000000);
	image[0x234] = 0;
	CHECK_EQ(parse(&h), 0);
	CHECK_EQ(linux_plan(&h, &r, &l), -ENOMEM);
}

static void test_e820(void)
{
	struct linux_header h;
	struct linux_layout l;
	struct linux_e820_entry e[LINUX_E820_MAX];
	make_image();
	CHECK_EQ(parse(&h), 0);

	struct linux_layout_request r = request(128 * MIB);
	CHECK_EQ(linux_plan(&h, &r, &l), 0);
	size_t n = linux_e820(&l, r.ram_bytes, e, LINUX_E820_MAX);
	CHECK_EQ(n, 4);
	CHECK(e[0].addr == 0 && e[0].size == 0x9fc00 && e[0].type == LINUX_E820_RAM);
	CHECK(e[1].addr == 0x9fc00 && e[1].size == 0x100000 - 0x9fc00 && e[1].type == LINUX_E820_RESERVED);
	CHECK(e[2].addr == MIB && e[2].size == l.acpi - MIB && e[2].type == LINUX_E820_RAM);
	CHECK(e[3].addr == l.acpi && e[3].size == 16384 && e[3].type == LINUX_E820_ACPI);
	CHECK_EQ(linux_e820(&l, r.ram_bytes, e, 2), 2); /* bounded */

	/* Above 3 GiB, RAM moves to 4 GiB. */
	r = request(5 * GIB);
	CHECK_EQ(linux_plan(&h, &r, &l), 0);
	CHECK_EQ(l.low_top, GUEST_LOW_RAM_LIMIT);
	n = linux_e820(&l, r.ram_bytes, e, LINUX_E820_MAX);
	CHECK_EQ(n, 5);
	CHECK(e[3].addr + e[3].size == GUEST_LOW_RAM_LIMIT && e[3].type == LINUX_E820_ACPI);
	CHECK(e[4].addr == 4 * GIB && e[4].size == 2 * GIB && e[4].type == LINUX_E820_RAM);
	uint64_t ram = 0;
	for (size_t i = 0; i < n; i++) {
		if (e[i].type != LINUX_E820_RESERVED)
			ram += e[i].size;
		if (i)
			CHECK(e[i].addr >= e[i - 1].addr + e[i - 1].size); /* sorted, no overlap */
	}
	CHECK_EQ(ram, 5 * GIB - (0x100000 - 0x9fc00));
}

static void test_zero_page(void)
{
	struct linux_header h;
	struct linux_layout l;
	static uint8_t zp[LINUX_ZP_SIZE];
	make_image();
	CHECK_EQ(parse(&h), 0);
	struct linux_layout_request r = request(128 * MIB);
	CHECK_EQ(linux_plan(&h, &r, &l), 0);
	memset(zp, 0xee, sizeof zp);
	linux_zero_page(image, &h, &l, r.ram_bytes, 0x7ffc000, zp);

	CHECK_EQ(zp[0], 0);                            /* zeroed outside the header */
	CHECK_EQ(zp[0xfff], 0);
	CHECK(!memcmp(zp + 0x1f1, image + 0x1f1, 0x210 - 0x1f1)); /* the header copied */
	CHECK(!memcmp(zp + 0x202, "HdrS", 4));
	CHECK_EQ(le16(zp + 0x1fe), 0xaa55);
	CHECK_EQ(zp[0x26c], 0);                        /* nothing past the header's end */
	CHECK_EQ(zp[0x28f], 0);
	CHECK_EQ(zp[0x210], 0xff);                     /* type_of_loader */
	CHECK_EQ(zp[0x211], LINUX_LOADFLAGS_LOADED_HIGH | LINUX_LOADFLAGS_CAN_USE_HEAP);
	CHECK_EQ(le16(zp + 0x224), 0xde00);            /* heap_end_ptr */
	CHECK_EQ(le32(zp + 0x214), l.kernel_addr);     /* code32_start */
	CHECK_EQ(le32(zp + 0x228), LINUX_CMDLINE_ADDR);
	CHECK_EQ(le32(zp + 0xc8), 0);
	CHECK_EQ(le32(zp + 0x218), l.initrd);
	CHECK_EQ(le32(zp + 0x21c), 3 * MIB + 123);
	CHECK_EQ(le32(zp + 0xc0), 0);
	CHECK_EQ(le32(zp + 0xc4), 0);
	CHECK_EQ(le64(zp + 0x250), 0);                 /* no setup_data */
	CHECK_EQ(le64(zp + 0x258), 0x1000000);         /* pref_address kept */
	CHECK_EQ(le64(zp + 0x70), 0x7ffc000);          /* acpi_rsdp_addr (2.14+) */
	CHECK_EQ(le32(zp + 0x1e0), (128 * MIB - MIB) >> 10);
	CHECK_EQ(zp[0x1e8], 4);
	const uint8_t *e = zp + 0x2d0;
	CHECK(le64(e) == 0 && le64(e + 8) == 0x9fc00 && le32(e + 16) == 1);
	CHECK(le64(e + 20) == 0x9fc00 && le32(e + 36) == 2);
	CHECK(le64(e + 40) == MIB && le64(e + 48) == l.acpi - MIB && le32(e + 56) == 1);
	CHECK(le64(e + 60) == l.acpi && le64(e + 68) == 16384 && le32(e + 76) == 3);
	CHECK_EQ(le32(e + 80 + 16), 0);

	/* Before 2.14 acpi_rsdp_addr is not the loader's to set; no initrd leaves the ramdisk fields 0. */
	put16(image + 0x206, 0x020c);
	CHECK_EQ(parse(&h), 0);
	r.initrd_size = 0;
	CHECK_EQ(linux_plan(&h, &r, &l), 0);
	linux_zero_page(image, &h, &l, r.ram_bytes, 0x7ffc000, zp);
	CHECK_EQ(le64(zp + 0x70), 0);
	CHECK_EQ(le32(zp + 0x218), 0);
	CHECK_EQ(le32(zp + 0x21c), 0);
}

/* Walks 4-level page tables held in buf (at guest-physical base) for a virtual address: the physical address
 * and the leaf's flags, or -1 when unmapped. */
static int64_t walk(const uint8_t *buf, uint64_t base, uint64_t va, uint64_t *flags)
{
	uint64_t table = base;
	for (int level = 3; level >= 0; level--) {
		uint64_t off = table - base + ((va >> (12 + 9 * level)) & 511) * 8;
		if (table < base || off + 8 > LINUX_PAGE_TABLES_SIZE)
			return -1;
		uint64_t e = le64(buf + off);
		if (!(e & 1))
			return -1;
		if (level == 1 && (e & 0x80)) {
			*flags = e & 0xfff;
			return (int64_t)((e & ~0x1fffffull & 0xffffffffff000ull) | (va & 0x1fffff));
		}
		if (level == 0) {
			*flags = e & 0xfff;
			return (int64_t)((e & 0xffffffffff000ull) | (va & 0xfff));
		}
		table = e & 0xffffffffff000ull;
	}
	return -1;
}

static void test_page_tables_and_gdt(void)
{
	static uint8_t pt[LINUX_PAGE_TABLES_SIZE];
	uint64_t base = LINUX_PAGE_TABLES_ADDR, flags = 0;
	CHECK_EQ(linux_page_tables(pt, sizeof pt, base), 0);
	CHECK_EQ(le64(pt), (base + 0x1000) | 3);
	const uint64_t probes[] = { 0, 0x8000, 0x9000, 0x1000200, 0x7fffffff, 0xbfffffff };
	unsigned identity = 0;
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		identity += walk(pt, base, probes[i], &flags) == (int64_t)probes[i];
		CHECK_EQ(flags & 0x1b, 3); /* present, writable, cached */
	}
	CHECK_EQ(identity, sizeof probes / sizeof probes[0]);
	CHECK_EQ(walk(pt, base, 0xfee00000, &flags), 0xfee00000);
	CHECK_EQ(flags & 0x18, 0x18);  /* the MMIO hole is uncached */
	CHECK_EQ(walk(pt, base, 1ull << 32, &flags), -1);
	CHECK_EQ(linux_page_tables(pt, sizeof pt - 1, base), -EINVAL);
	CHECK_EQ(linux_page_tables(pt, sizeof pt, base + 8), -EINVAL);

	uint8_t gdt[LINUX_GDT_SIZE];
	linux_gdt(gdt, true);
	CHECK_EQ(le64(gdt), 0);
	CHECK_EQ(le64(gdt + 8), 0);
	uint64_t cs = le64(gdt + LINUX_BOOT_CS), ds = le64(gdt + LINUX_BOOT_DS);
	CHECK(cs & (1ull << 53));            /* L */
	CHECK(!(cs & (1ull << 54)));         /* D clear with L */
	CHECK_EQ((cs >> 40) & 0xff, 0x9b);   /* present code, execute/read */
	CHECK_EQ((ds >> 40) & 0xff, 0x93);   /* present data, read/write */
	CHECK_EQ(ds & 0xffff, 0xffff);
	CHECK_EQ((ds >> 48) & 0xf, 0xf);     /* limit 4 GiB with G */
	linux_gdt(gdt, false);
	cs = le64(gdt + LINUX_BOOT_CS);
	CHECK(!(cs & (1ull << 53)));
	CHECK(cs & (1ull << 54));            /* 32-bit code */
}

int main(void)
{
	test_accept();
	test_reject();
	test_layout();
	test_e820();
	test_zero_page();
	test_page_tables_and_gdt();
	return check_summary();
}
