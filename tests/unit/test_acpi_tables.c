/* Unit tests for hv/boot/acpi_tables.c: the RSDP and every table's checksum, lengths and pointers, FADT fields
 * at the specification's offsets, MADT entries per vCPU, the DSDT's AML (\_S5, PkgLength encodings), bounded
 * writes; then ACPICA's own tools (iasl -d, acpiexec) on the dumped tables. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "check.h"
#include "../../hv/boot/acpi_tables.h"

#define GPA 0x7ffc0000ull

static uint8_t buf[ACPI_TABLES_MAX_SIZE + 256];

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static unsigned sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* The table at guest-physical gpa, found through the buffer. */
static const uint8_t *at_gpa(uint64_t gpa)
{
	if (gpa < GPA || gpa >= GPA + ACPI_TABLES_MAX_SIZE)
		return NULL;
	return buf + (gpa - GPA);
}

static const uint8_t *find(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return hay + i;
	return NULL;
}

/* Decodes an AML PkgLength at p: its value (which counts its own bytes) and its size in *bytes. */
static uint32_t pkglength(const uint8_t *p, unsigned *bytes)
{
	unsigned n = (p[0] >> 6) + 1;
	uint32_t v = n == 1 ? p[0] & 0x3f : p[0] & 0x0f;
	for (unsigned i = 1; i < n; i++)
		v |= (uint32_t)p[i] << (4 + 8 * (i - 1));
	*bytes = n;
	return v;
}

static void check_header(const uint8_t *t, const char *sig, uint8_t revision)
{
	CHECK(t != NULL);
	if (!t)
		return;
	CHECK(!memcmp(t, sig, 4));
	CHECK_EQ(t[8], revision);
	CHECK_EQ(sum(t, le32(t + 4)), 0);
	CHECK(!memcmp(t + 10, "KEEL  ", 6));
}

static void test_tables(unsigned cpus, bool devices)
{
	struct acpi_tables_config cfg = { .cpus = cpus, .com1 = devices, .rtc = devices };
	struct acpi_tables_layout l;
	memset(buf, 0xa5, sizeof buf);
	CHECK_EQ(acpi_tables_build(&cfg, buf, ACPI_TABLES_MAX_SIZE, GPA, &l), 0);
	CHECK(l.size <= ACPI_TABLES_MAX_SIZE);
	CHECK_EQ(buf[ACPI_TABLES_MAX_SIZE], 0xa5);

	/* RSDP: both checksums, revision 2, both table pointers. */
	const uint8_t *rsdp = buf + l.rsdp;
	CHECK_EQ(l.rsdp, 0);
	CHECK(!memcmp(rsdp, "RSD PTR ", 8));
	CHECK_EQ(sum(rsdp, 20), 0);
	CHECK_EQ(sum(rsdp, 36), 0);
	CHECK_EQ(rsdp[15], 2);
	CHECK_EQ(le32(rsdp + 20), 36);
	CHECK_EQ(le32(rsdp + 16), GPA + l.rsdt);
	CHECK_EQ(le64(rsdp + 24), GPA + l.xsdt);

	/* XSDT and RSDT: FADT and MADT, nothing else. */
	const uint8_t *xsdt = buf + l.xsdt, *rsdt = buf + l.rsdt;
	check_header(xsdt, "XSDT", 1);
	check_header(rsdt, "RSDT", 1);
	CHECK_EQ(le32(xsdt + 4), 36 + 2 * 8);
	CHECK_EQ(le32(rsdt + 4), 36 + 2 * 4);
	CHECK_EQ(le64(xsdt + 36), GPA + l.fadt);
	CHECK_EQ(le64(xsdt + 44), GPA + l.madt);
	CHECK_EQ(le32(rsdt + 36), GPA + l.fadt);
	CHECK_EQ(le32(rsdt + 40), GPA + l.madt);

	/* FADT, revision 6 (ACPI 6.0, 276 bytes), field by field at the specification's offsets. */
	const uint8_t *f = at_gpa(le64(xsdt + 36));
	check_header(f, "FACP", 6);
	CHECK_EQ(le32(f + 4), 276);
	CHECK_EQ(le32(f + 36), GPA + l.facs);     /* FIRMWARE_CTRL */
	CHECK_EQ(le32(f + 40), GPA + l.dsdt);     /* DSDT */
	CHECK_EQ(le16(f + 46), 9);                /* SCI_INT */
	CHECK_EQ(le32(f + 48), 0);                /* SMI_CMD: ACPI always on */
	CHECK_EQ(f[52], 0);
	CHECK_EQ(f[53], 0);
	CHECK_EQ(le32(f + 56), 0x600);            /* PM1a_EVT_BLK */
	CHECK_EQ(le32(f + 60), 0);                /* PM1b_EVT_BLK */
	CHECK_EQ(le32(f + 64), 0x604);            /* PM1a_CNT_BLK */
	CHECK_EQ(le32(f + 76), 0x608);            /* PM_TMR_BLK */
	CHECK_EQ(le32(f + 80), 0);                /* GPE0_BLK */
	CHECK_EQ(f[88], 4);                       /* PM1_EVT_LEN */
	CHECK_EQ(f[89], 2);                       /* PM1_CNT_LEN */
	CHECK_EQ(f[91], 4);                       /* PM_TMR_LEN */
	CHECK_EQ(f[92], 0);                       /* GPE0_BLK_LEN */
	CHECK(le16(f + 96) > 100);                /* no C2 */
	CHECK(le16(f + 98) > 1000);               /* no C3 */
	CHECK_EQ(f[108], 0x32);                   /* CENTURY */
	CHECK_EQ(le16(f + 109) & 3, 1);           /* IAPC_BOOT_ARCH: legacy devices, no 8042 */
	CHECK_EQ(le16(f + 109) & (1u << 5), 0);   /* the CMOS RTC is present */
	uint32_t flags = le32(f + 112);
	CHECK(flags & (1u << 8));                 /* TMR_VAL_EXT */
	CHECK(flags & (1u << 10));                /* RESET_REG_SUP */
	CHECK_EQ(flags & (1u << 4), 0);           /* PWR_BUTTON clear: the fixed-feature button */
	CHECK_EQ(flags & (1u << 20), 0);          /* not hardware-reduced */
	CHECK_EQ(f[116], 1);                      /* RESET_REG: system I/O */
	CHECK_EQ(f[117], 8);
	CHECK_EQ(f[118], 0);
	CHECK_EQ(le64(f + 120), 0xcf9);
	CHECK_EQ(f[128], 6);                      /* RESET_VALUE */
	CHECK_EQ(le64(f + 132), 0);               /* X_FIRMWARE_CTRL: FIRMWARE_CTRL is used */
	CHECK_EQ(le64(f + 140), GPA + l.dsdt);    /* X_DSDT */
	CHECK_EQ(f[148], 1);                      /* X_PM1a_EVT_BLK */
	CHECK_EQ(f[149], 32);
	CHECK_EQ(le64(f + 152), 0x600);
	CHECK_EQ(f[172], 1);                      /* X_PM1a_CNT_BLK */
	CHECK_EQ(f[173], 16);
	CHECK_EQ(le64(f + 176), 0x604);
	CHECK_EQ(f[208], 1);                      /* X_PM_TMR_BLK */
	CHECK_EQ(f[209], 32);
	CHECK_EQ(le64(f + 212), 0x608);
	CHECK_EQ(le64(f + 160 + 4), 0);           /* X_PM1b_EVT_BLK empty */

	/* FACS: 64 bytes, 64-byte aligned in the guest, no checksum by definition. */
	const uint8_t *facs = at_gpa(le32(f + 36));
	CHECK(facs && !memcmp(facs, "FACS", 4));
	CHECK_EQ(le32(facs + 4), 64);
	CHECK_EQ((GPA + l.facs) % 64, 0);

	/* MADT: a local APIC per vCPU, the IOAPIC, the SCI override, LINT1 as NMI; no override for IRQ 0. */
	const uint8_t *m = at_gpa(le64(xsdt + 44));
	check_header(m, "APIC", 4);
	uint32_t mlen = le32(m + 4);
	CHECK_EQ(mlen, 44 + cpus * 8 + 12 + 10 + 6);
	CHECK_EQ(le32(m + 36), 0xfee00000);
	CHECK_EQ(le32(m + 40), 1);
	unsigned lapics = 0, ioapics = 0, overrides = 0, nmis = 0, bad = 0;
	uint32_t off = 44;
	while (off + 2 <= mlen && m[off + 1] >= 2 && off + m[off + 1] <= mlen) {
		const uint8_t *e = m + off;
		switch (e[0]) {
		case 0:
			bad += e[1] != 8 || e[2] != lapics || e[3] != lapics || le32(e + 4) != 1;
			lapics++;
			break;
		case 1:
			bad += e[1] != 12 || e[2] != cpus || le32(e + 4) != 0xfec00000 || le32(e + 8) != 0;
			ioapics++;
			break;
		case 2:
			bad += e[1] != 10 || e[2] != 0 || e[3] != 9 || le32(e + 4) != 9 || le16(e + 8) != 0x000d;
			overrides++;
			break;
		case 4:
			bad += e[1] != 6 || e[2] != 0xff || le16(e + 3) != 0 || e[5] != 1;
			nmis++;
			break;
		default:
			bad++;
		}
		off += e[1];
	}
	CHECK_EQ(off, mlen);
	CHECK_EQ(lapics, cpus);
	CHECK_EQ(ioapics, 1);
	CHECK_EQ(overrides, 1);
	CHECK_EQ(nmis, 1);
	CHECK_EQ(bad, 0);

	/* DSDT: \_S5 = {5, 5, 0, 0}, then Scope (\_SB) whose PkgLength ends exactly at the table's end. */
	const uint8_t *d = at_gpa(le64(f + 140));
	check_header(d, "DSDT", 2);
	uint32_t dlen = le32(d + 4);
	CHECK_EQ(l.dsdt + dlen, l.size);
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
	CHECK(!memcmp(d + 36, s5, sizeof s5));
	const uint8_t *scope = d + 36 + sizeof s5;
	CHECK_EQ(scope[0], 0x10);
	unsigned pl;
	uint32_t slen = pkglength(scope + 1, &pl);
	CHECK_EQ(1 + slen, dlen - 36 - sizeof s5);
	CHECK(!memcmp(scope + 1 + pl, "\\_SB_", 5));
	/* The first processor device: Device (C000) { Name (_HID, "ACPI0007") Name (_UID, Zero) }. */
	const uint8_t *dev = scope + 1 + pl + 5;
	CHECK(dev[0] == 0x5b && dev[1] == 0x82);
	uint32_t devlen = pkglength(dev + 2, &pl);
	CHECK_EQ(pl, 1);
	CHECK_EQ(devlen, 1 + 4 + 15 + 6);
	CHECK(!memcmp(dev + 3, "C000\x08_HID\x0d" "ACPI0007\0\x08_UID\x00", 25));
	char last[5];
	snprintf(last, sizeof last, "C%03X", cpus - 1);
	CHECK(find(d, dlen, last, 4) != NULL);
	static const uint8_t pnp0501[] = { 0x0c, 0x41, 0xd0, 0x05, 0x01 };
	static const uint8_t com1_io[] = { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, 0x22, 0x10, 0x00, 0x79 };
	CHECK_EQ(find(d, dlen, pnp0501, sizeof pnp0501) != NULL, devices);
	CHECK_EQ(find(d, dlen, com1_io, sizeof com1_io) != NULL, devices);
	CHECK_EQ(find(d, dlen, "PNP0C0C", 7), NULL); /* the power button is the fixed-feature one */
}

static void test_errors(void)
{
	struct acpi_tables_config cfg = { .cpus = 2, .com1 = true, .rtc = true };
	struct acpi_tables_layout l;
	CHECK_EQ(acpi_tables_build(&cfg, buf, ACPI_TABLES_MAX_SIZE, GPA, &l), 0);
	uint32_t size = l.size;
	cfg.cpus = 0;
	CHECK_EQ(acpi_tables_build(&cfg, buf, sizeof buf, GPA, &l), -EINVAL);
	cfg.cpus = ACPI_TABLES_MAX_CPUS + 1;
	CHECK_EQ(acpi_tables_build(&cfg, buf, sizeof buf, GPA, &l), -EINVAL);
	cfg.cpus = 2;
	CHECK_EQ(acpi_tables_build(&cfg, buf, sizeof buf, GPA + 16, &l), -EINVAL);    /* FACS unaligned */
	CHECK_EQ(acpi_tables_build(&cfg, buf, sizeof buf, 1ull << 32, &l), -EINVAL);  /* above 4 GiB */
	CHECK_EQ(acpi_tables_build(&cfg, buf, sizeof buf, (1ull << 32) - 256, &l), -EINVAL);
	CHECK_EQ(acpi_tables_build(NULL, buf, sizeof buf, GPA, &l), -EINVAL);

	/* Every cap below the size: -ENOSPC and not one byte written at or past the cap. */
	unsigned nospc = 0, spill = 0;
	for (uint32_t cap = 0; cap < size; cap++) {
		memset(buf, 0xa5, size + 16);
		nospc += acpi_tables_build(&cfg, buf, cap, GPA, &l) == -ENOSPC;
		for (uint32_t i = cap; i < size + 16; i++)
			spill += buf[i] != 0xa5;
	}
	CHECK_EQ(nospc, size);
	CHECK_EQ(spill, 0);
	CHECK_EQ(acpi_tables_build(&cfg, buf, size, GPA, &l), 0);
	CHECK_EQ(acpi_tables_checksum((const uint8_t *)"\x01\x02", 2), 0xfd);
}

/* Writes each table to dir/NAME.dat for the ACPICA tools. */
static int dump(const char *dir, unsigned cpus)
{
	struct acpi_tables_config cfg = { .cpus = cpus, .com1 = true, .rtc = true };
	struct acpi_tables_layout l;
	if (acpi_tables_build(&cfg, buf, ACPI_TABLES_MAX_SIZE, GPA, &l))
		return -1;
	const struct { const char *name; uint32_t off; } t[] = {
		{ "xsdt", l.xsdt }, { "rsdt", l.rsdt }, { "facp", l.fadt }, { "facs", l.facs }, { "apic", l.madt },
		{ "dsdt", l.dsdt },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s.dat", dir, t[i].name);
		FILE *fp = fopen(path, "wb");
		if (!fp)
			return -1;
		size_t n = le32(buf + t[i].off + 4);
		int ok = fwrite(buf + t[i].off, 1, n, fp) == n;
		if (fclose(fp) || !ok)
			return -1;
	}
	return 0;
}

/* Runs a shell command built from fmt; its exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* The bytes of a small file, NUL-terminated, in out (at most cap - 1); the count read or -1. */
static long slurp(const char *path, char *out, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return -1;
	size_t n = fread(out, 1, cap - 1, fp);
	fclose(fp);
	out[n] = 0;
	return (long)n;
}

/* ACPICA's disassembler must take every table without an error or a warning, and its interpreter must load
 * the DSDT and evaluate \_S5 to {5, 5, 0, 0}. */
static void test_acpica(void)
{
	if (!CHECK(system("command -v iasl >/dev/null 2>&1 && command -v acpiexec >/dev/null 2>&1") == 0)) {
		printf("acpica-tools (iasl, acpiexec) missing: listed in mk/deps.mk\n");
		return;
	}
	static const unsigned counts[] = { 1, 4, ACPI_TABLES_MAX_CPUS };
	static char text[1 << 20];
	for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
		char dir[] = "/tmp/keel-acpi-XXXXXX";
		unsigned failed = check_failed;
		if (!CHECK(mkdtemp(dir) != NULL))
			return;
		CHECK_EQ(dump(dir, counts[c]), 0);
		static const char *const names[] = { "xsdt", "rsdt", "facp", "facs", "apic", "dsdt" };
		for (size_t i = 0; i < 6; i++) {
			char path[600];
			int rc = run("cd %s && iasl -d %s.dat >%s.log 2>&1", dir, names[i], names[i]);
			/* iasl exits 0 even on a bad table: its complaints go to the log and into the .dsl. */
			bool clean = true;
			for (int k = 0; k < 2; k++) {
				snprintf(path, sizeof path, "%s/%s.%s", dir, names[i], k ? "dsl" : "log");
				long n = slurp(path, text, sizeof text);
				clean = clean && n > 0 && !strstr(text, "Warning") && !strstr(text, "Error") &&
					!strstr(text, "Incorrect") && !strstr(text, "Invalid") && !strstr(text, "****");
			}
			if (!CHECK(rc == 0 && clean))
				printf("iasl -d %s.dat (%u CPUs): exit %d, see %s\n", names[i], counts[c], rc, dir);
		}
		if (counts[c] != ACPI_TABLES_MAX_CPUS)
			goto done; /* acpiexec takes 0.7 s: once, on the largest tables */
		int rc = run("cd %s && acpiexec -b 'evaluate \\_S5_' dsdt.dat apic.dat facp.dat facs.dat >exec.log 2>&1",
			     dir);
		char path[600];
		snprintf(path, sizeof path, "%s/exec.log", dir);
		long n = slurp(path, text, sizeof text);
		const char *pkg = n > 0 ? strstr(text, "[Package] Contains 4 Elements") : NULL;
		CHECK_EQ(rc, 0);
		if (CHECK(pkg != NULL)) {
			const char *a = strstr(pkg, "[Integer] = 0000000000000005");
			const char *b = a ? strstr(a + 1, "[Integer] = 0000000000000005") : NULL;
			const char *z = b ? strstr(b + 1, "[Integer] = 0000000000000000") : NULL;
			CHECK(z && strstr(z + 1, "[Integer] = 0000000000000000"));
		}
		CHECK(n > 0 && !strstr(text, "Namespace lookup failure") && !strstr(text, "AE_AML"));
	done:
		if (check_failed == failed)
			run("rm -rf %s", dir);
		else
			printf("ACPICA output kept in %s\n", dir);
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--dump"))
		return dump(argv[2], 2) ? 1 : 0;
	test_tables(1, false);
	test_tables(1, true);
	test_tables(2, true);
	test_tables(4, true);
	test_tables(16, true);
	test_tables(ACPI_TABLES_MAX_CPUS, true);
	test_errors();
	test_acpica();
	return check_summary();
}
