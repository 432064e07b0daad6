/* The guest's ACPI tables (ACPI 6.0 layouts) and a tiny AML emitter for the DSDT. Everything is written with
 * explicit little-endian stores at offsets from the specification, and never at or past the caller's cap. */
#include <errno.h>
#include <string.h>
#include "bytes.h"
#include "acpi_tables.h"

#define HEADER_SIZE 36
#define RSDP_SIZE 36
#define FADT_SIZE 276
#define FACS_SIZE 64
#define FADT_REVISION 6
#define FADT_MINOR 0
#define MADT_REVISION 4

/* FADT fields (ACPI 6.0, table 5-34). */
#define FADT_FIRMWARE_CTRL 36
#define FADT_DSDT 40
#define FADT_PM_PROFILE 45
#define FADT_SCI_INT 46
#define FADT_SMI_CMD 48
#define FADT_PM1A_EVT_BLK 56
#define FADT_PM1A_CNT_BLK 64
#define FADT_PM_TMR_BLK 76
#define FADT_PM1_EVT_LEN 88
#define FADT_PM1_CNT_LEN 89
#define FADT_PM_TMR_LEN 91
#define FADT_P_LVL2_LAT 96
#define FADT_P_LVL3_LAT 98
#define FADT_CENTURY 108
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_MINOR_VERSION 131
#define FADT_X_DSDT 140
#define FADT_X_PM1A_EVT_BLK 148
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM_TMR_BLK 208

#define FADT_F_WBINVD (1u << 0)
#define FADT_F_PROC_C1 (1u << 2)
#define FADT_F_SLP_BUTTON (1u << 5) /* no fixed-feature sleep button; PWR_BUTTON (bit 4) stays clear */
#define FADT_F_FIX_RTC (1u << 6)    /* no RTC wake status in PM1 */
#define FADT_F_TMR_VAL_EXT (1u << 8)
#define FADT_F_RESET_REG_SUP (1u << 10)
#define BOOT_ARCH_LEGACY_DEVICES (1u << 0)
#define BOOT_ARCH_NO_VGA (1u << 2)

#define GAS_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1
#define GAS_ACCESS_WORD 2
#define GAS_ACCESS_DWORD 3

#define MADT_PCAT_COMPAT 1u
#define MADT_LAPIC_SIZE 8
#define MADT_IOAPIC_SIZE 12
#define MADT_OVERRIDE_SIZE 10
#define MADT_NMI_SIZE 6
#define MADT_OVERRIDE_LEVEL_HIGH 0x000d /* polarity 01 active high, trigger 11 level */

uint8_t acpi_tables_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

/* The common table header; the checksum is set by finish() once the body is complete. */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t revision)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = revision;
	memcpy(t + 10, "KEEL  ", 6);
	memcpy(t + 16, "KEEL", 4);
	memcpy(t + 20, sig, 4); /* OEM table ID: "KEEL" + signature */
	put32(t + 24, 1);
	memcpy(t + 28, "KEEL", 4);
	put32(t + 32, 1);
}

static void finish(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = acpi_tables_checksum(t, len);
}

/* A generic address structure for an I/O port block. */
static void gas_io(uint8_t *p, uint8_t bit_width, uint8_t access, uint16_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = bit_width;
	p[2] = 0;
	p[3] = access;
	put64(p + 4, port);
}

/* ---- AML: an append-only emitter; a construct's PkgLength is encoded when it closes. ---- */

#define AML_MAX_DEPTH 8
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_PACKAGE_OP 0x12
#define AML_EXT_PREFIX 0x5b
#define AML_DEVICE_OP 0x82
#define AML_ROOT_CHAR 0x5c
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_ONES 0xff

struct aml {
	uint8_t *buf;
	size_t cap, len;
	bool full;                     /* a write did not fit: the result is unusable */
	size_t open[AML_MAX_DEPTH];    /* offsets of the reserved PkgLength fields */
	unsigned depth;
};

static void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->full || n > a->cap - a->len) {
		a->full = true;
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

/* A NameSeg: up to four characters, padded with '_'. */
static void aml_nameseg(struct aml *a, const char *s)
{
	char seg[4] = { '_', '_', '_', '_' };
	for (int i = 0; i < 4 && s[i]; i++)
		seg[i] = s[i];
	aml_bytes(a, seg, 4);
}

static void aml_integer(struct aml *a, uint64_t v)
{
	uint8_t b[9];
	size_t n;
	if (v == 0 || v == 1) {
		aml_byte(a, v ? AML_ONE : AML_ZERO);
		return;
	}
	if (v == ~0ull) {
		aml_byte(a, AML_ONES);
		return;
	}
	if (v <= 0xff) {
		b[0] = AML_BYTE_PREFIX, n = 1;
	} else if (v <= 0xffff) {
		b[0] = AML_WORD_PREFIX, n = 2;
	} else if (v <= 0xffffffffu) {
		b[0] = AML_DWORD_PREFIX, n = 4;
	} else {
		b[0] = AML_QWORD_PREFIX, n = 8;
	}
	for (size_t i = 0; i < n; i++)
		b[1 + i] = (uint8_t)(v >> (8 * i));
	aml_bytes(a, b, 1 + n);
}

static void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

/* A compressed EISA ID ("PNP0501") as the DWord integer _HID expects. */
static void aml_eisaid(struct aml *a, const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	uint8_t d[4];
	unsigned digit[4];
	for (int i = 0; i < 4; i++)
		digit[i] = (unsigned)(strchr(hex, id[3 + i]) - hex);
	d[0] = (uint8_t)(((id[0] - 0x40) << 2) | ((id[1] - 0x40) >> 3));
	d[1] = (uint8_t)((((id[1] - 0x40) & 7) << 5) | (id[2] - 0x40));
	d[2] = (uint8_t)(digit[0] << 4 | digit[1]);
	d[3] = (uint8_t)(digit[2] << 4 | digit[3]);
	aml_byte(a, AML_DWORD_PREFIX);
	aml_bytes(a, d, 4);
}

/* Opens a construct whose opcode is followed by a PkgLength (Scope, Device, Package, Buffer). The PkgLength
 * gets one byte now and grows on close when the body needs more, so the output never exceeds its final size
 * (a buffer that fits the result is enough at every step). */
static void aml_open(struct aml *a, const uint8_t *op, size_t oplen)
{
	aml_bytes(a, op, oplen);
	if (a->depth == AML_MAX_DEPTH)
		a->full = true;
	if (a->full)
		return;
	a->open[a->depth++] = a->len;
	aml_byte(a, 0);
}

/* Closes the innermost construct: encodes its PkgLength (which counts itself) in 1 to 4 bytes. */
static void aml_close(struct aml *a)
{
	if (a->full || !a->depth)
		return;
	size_t at = a->open[--a->depth];
	size_t body = a->len - at - 1;
	size_t n = body + 1 <= 0x3f ? 1 : body + 2 < (1u << 12) ? 2 : body + 3 < (1u << 20) ? 3 : 4;
	size_t value = body + n;
	if (value >= (1u << 28) || n - 1 > a->cap - a->len) {
		a->full = true;
		return;
	}
	uint8_t enc[4];
	if (n == 1) {
		enc[0] = (uint8_t)value;
	} else {
		enc[0] = (uint8_t)(((n - 1) << 6) | (value & 0xf));
		for (size_t i = 1; i < n; i++)
			enc[i] = (uint8_t)(value >> (4 + 8 * (i - 1)));
	}
	memmove(a->buf + at + n, a->buf + at + 1, body);
	memcpy(a->buf + at, enc, n);
	a->len += n - 1;
}

static void aml_scope(struct aml *a, const char *root_seg)
{
	static const uint8_t op[] = { AML_SCOPE_OP };
	aml_open(a, op, sizeof op);
	aml_byte(a, AML_ROOT_CHAR);
	aml_nameseg(a, root_seg);
}

static void aml_device(struct aml *a, const char *seg)
{
	static const uint8_t op[] = { AML_EXT_PREFIX, AML_DEVICE_OP };
	aml_open(a, op, sizeof op);
	aml_nameseg(a, seg);
}

static void aml_name(struct aml *a, const char *seg)
{
	aml_byte(a, AML_NAME_OP);
	aml_nameseg(a, seg);
}

/* Name (_CRS, ResourceTemplate () { IO (Decode16, port, port, 1, len) IRQNoFlags () { irq } }) */
static void aml_crs_io_irq(struct aml *a, uint16_t port, uint8_t len, unsigned irq)
{
	static const uint8_t op[] = { AML_BUFFER_OP };
	uint8_t rt[] = {
		0x47, 0x01, (uint8_t)port, (uint8_t)(port >> 8), (uint8_t)port, (uint8_t)(port >> 8), 1, len,
		0x22, (uint8_t)(1u << irq), (uint8_t)((1u << irq) >> 8),
		0x79, 0x00, /* end tag; a zero checksum means "treat as valid" */
	};
	aml_name(a, "_CRS");
	aml_open(a, op, sizeof op);
	aml_integer(a, sizeof rt);
	aml_bytes(a, rt, sizeof rt);
	aml_close(a);
}

/* The DSDT body: \_S5, and under \_SB one processor device per CPU and the optional legacy devices. */
static void dsdt_body(struct aml *a, const struct acpi_tables_config *cfg)
{
	static const uint8_t package_op[] = { AML_PACKAGE_OP };
	static const char hex[] = "0123456789ABCDEF";

	aml_name(a, "_S5");
	aml_open(a, package_op, sizeof package_op);
	aml_byte(a, 4); /* NumElements */
	aml_integer(a, ACPI_TABLES_S5_SLP_TYP);
	aml_integer(a, ACPI_TABLES_S5_SLP_TYP);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_close(a);

	aml_scope(a, "_SB");
	for (unsigned i = 0; i < cfg->cpus; i++) {
		char seg[5] = { 'C', hex[(i >> 8) & 0xf], hex[(i >> 4) & 0xf], hex[i & 0xf], 0 };
		aml_device(a, seg);
		aml_name(a, "_HID");
		aml_string(a, "ACPI0007");
		aml_name(a, "_UID");
		aml_integer(a, i);
		aml_close(a);
	}
	if (cfg->com1) {
		aml_device(a, "COM1");
		aml_name(a, "_HID");
		aml_eisaid(a, "PNP0501");
		aml_name(a, "_UID");
		aml_integer(a, 1);
		aml_crs_io_irq(a, 0x3f8, 8, 4);
		aml_close(a);
	}
	if (cfg->rtc) {
		aml_device(a, "RTC");
		aml_name(a, "_HID");
		aml_eisaid(a, "PNP0B00");
		aml_crs_io_irq(a, 0x70, 2, 8);
		aml_close(a);
	}
	aml_close(a);
}

static uint32_t align_up(uint32_t v, uint32_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void build_fadt(uint8_t *t, uint64_t facs, uint64_t dsdt)
{
	header(t, "FACP", FADT_SIZE, FADT_REVISION);
	put32(t + FADT_FIRMWARE_CTRL, (uint32_t)facs); /* X_FIRMWARE_CTRL stays 0: the spec allows one of them */
	put32(t + FADT_DSDT, (uint32_t)dsdt);
	t[FADT_PM_PROFILE] = 0; /* unspecified */
	put16(t + FADT_SCI_INT, ACPI_TABLES_SCI_IRQ);
	put32(t + FADT_SMI_CMD, 0); /* ACPI is always enabled */
	put32(t + FADT_PM1A_EVT_BLK, ACPI_TABLES_PM_BASE);
	put32(t + FADT_PM1A_CNT_BLK, ACPI_TABLES_PM_BASE + 4);
	put32(t + FADT_PM_TMR_BLK, ACPI_TABLES_PM_BASE + 8);
	t[FADT_PM1_EVT_LEN] = 4;
	t[FADT_PM1_CNT_LEN] = 2;
	t[FADT_PM_TMR_LEN] = 4;
	put16(t + FADT_P_LVL2_LAT, 101);  /* > 100: no C2 */
	put16(t + FADT_P_LVL3_LAT, 1001); /* > 1000: no C3 */
	t[FADT_CENTURY] = ACPI_TABLES_RTC_CENTURY;
	/* No 8042: the platform answers only its reset command, and a guest told there is one spends seconds
	 * probing for a keyboard. */
	put16(t + FADT_IAPC_BOOT_ARCH, BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_NO_VGA);
	put32(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON | FADT_F_FIX_RTC |
				      FADT_F_TMR_VAL_EXT | FADT_F_RESET_REG_SUP);
	gas_io(t + FADT_RESET_REG, 8, GAS_ACCESS_BYTE, ACPI_TABLES_RESET_PORT);
	t[FADT_RESET_VALUE] = ACPI_TABLES_RESET_VALUE;
	t[FADT_MINOR_VERSION] = FADT_MINOR;
	put64(t + FADT_X_DSDT, dsdt);
	gas_io(t + FADT_X_PM1A_EVT_BLK, 32, GAS_ACCESS_WORD, ACPI_TABLES_PM_BASE);
	gas_io(t + FADT_X_PM1A_CNT_BLK, 16, GAS_ACCESS_WORD, ACPI_TABLES_PM_BASE + 4);
	gas_io(t + FADT_X_PM_TMR_BLK, 32, GAS_ACCESS_DWORD, ACPI_TABLES_PM_BASE + 8);
	finish(t, FADT_SIZE);
}

static void build_madt(uint8_t *t, uint32_t len, unsigned cpus)
{
	header(t, "APIC", len, MADT_REVISION);
	put32(t + 36, ACPI_TABLES_LAPIC_BASE);
	put32(t + 40, MADT_PCAT_COMPAT);
	uint8_t *e = t + 44;
	for (unsigned i = 0; i < cpus; i++, e += MADT_LAPIC_SIZE) {
		e[0] = 0, e[1] = MADT_LAPIC_SIZE;
		e[2] = (uint8_t)i; /* ACPI processor UID, as the DSDT's _UID */
		e[3] = (uint8_t)i; /* APIC ID */
		put32(e + 4, 1);   /* enabled */
	}
	e[0] = 1, e[1] = MADT_IOAPIC_SIZE;
	e[2] = (uint8_t)cpus;
	put32(e + 4, ACPI_TABLES_IOAPIC_BASE);
	put32(e + 8, 0); /* GSI base */
	e += MADT_IOAPIC_SIZE;
	e[0] = 2, e[1] = MADT_OVERRIDE_SIZE;
	e[2] = 0; /* ISA */
	e[3] = ACPI_TABLES_SCI_IRQ;
	put32(e + 4, ACPI_TABLES_SCI_IRQ);
	put16(e + 8, MADT_OVERRIDE_LEVEL_HIGH);
	e += MADT_OVERRIDE_SIZE;
	e[0] = 4, e[1] = MADT_NMI_SIZE;
	e[2] = 0xff; /* every processor */
	put16(e + 3, 0);
	e[5] = 1; /* LINT1 */
	finish(t, len);
}

int acpi_tables_build(const struct acpi_tables_config *cfg, uint8_t *buf, size_t cap, uint64_t buf_gpa,
		      struct acpi_tables_layout *out)
{
	if (!cfg || !buf || !out || cfg->cpus < 1 || cfg->cpus > ACPI_TABLES_MAX_CPUS || (buf_gpa & 63) ||
	    buf_gpa >= (1ull << 32))
		return -EINVAL;
	struct acpi_tables_layout l;
	uint32_t xsdt_len = HEADER_SIZE + 2 * 8, rsdt_len = HEADER_SIZE + 2 * 4;
	uint32_t madt_len = 44 + cfg->cpus * MADT_LAPIC_SIZE + MADT_IOAPIC_SIZE + MADT_OVERRIDE_SIZE + MADT_NMI_SIZE;
	l.rsdp = 0;
	l.xsdt = align_up(l.rsdp + RSDP_SIZE, 16);
	l.rsdt = align_up(l.xsdt + xsdt_len, 16);
	l.fadt = align_up(l.rsdt + rsdt_len, 16);
	l.facs = align_up(l.fadt + FADT_SIZE, 64);
	l.madt = align_up(l.facs + FACS_SIZE, 16);
	l.dsdt = align_up(l.madt + madt_len, 16);
	if (cap < (size_t)l.dsdt + HEADER_SIZE)
		return -ENOSPC;
	memset(buf, 0, l.dsdt + HEADER_SIZE);

	/* The DSDT first: its length decides the buffer's size. */
	struct aml a = { .buf = buf + l.dsdt + HEADER_SIZE, .cap = cap - l.dsdt - HEADER_SIZE };
	dsdt_body(&a, cfg);
	if (a.full || a.depth)
		return -ENOSPC;
	uint32_t dsdt_len = HEADER_SIZE + (uint32_t)a.len;
	l.size = l.dsdt + dsdt_len;
	if (buf_gpa + l.size > (1ull << 32))
		return -EINVAL;
	header(buf + l.dsdt, "DSDT", dsdt_len, 2); /* revision 2: 64-bit integers */
	finish(buf + l.dsdt, dsdt_len);

	uint8_t *facs = buf + l.facs;
	memcpy(facs, "FACS", 4);
	put32(facs + 4, FACS_SIZE);
	facs[32] = 2; /* version */

	build_fadt(buf + l.fadt, buf_gpa + l.facs, buf_gpa + l.dsdt);
	build_madt(buf + l.madt, madt_len, cfg->cpus);

	uint8_t *xsdt = buf + l.xsdt, *rsdt = buf + l.rsdt;
	header(xsdt, "XSDT", xsdt_len, 1);
	put64(xsdt + HEADER_SIZE, buf_gpa + l.fadt);
	put64(xsdt + HEADER_SIZE + 8, buf_gpa + l.madt);
	finish(xsdt, xsdt_len);
	header(rsdt, "RSDT", rsdt_len, 1);
	put32(rsdt + HEADER_SIZE, (uint32_t)(buf_gpa + l.fadt));
	put32(rsdt + HEADER_SIZE + 4, (uint32_t)(buf_gpa + l.madt));
	finish(rsdt, rsdt_len);

	uint8_t *rsdp = buf + l.rsdp;
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "KEEL  ", 6);
	rsdp[15] = 2; /* revision: ACPI 2.0+, with the XSDT */
	put32(rsdp + 16, (uint32_t)(buf_gpa + l.rsdt));
	put32(rsdp + 20, RSDP_SIZE);
	put64(rsdp + 24, buf_gpa + l.xsdt);
	rsdp[8] = acpi_tables_checksum(rsdp, 20);
	rsdp[32] = acpi_tables_checksum(rsdp, RSDP_SIZE);
	*out = l;
	return 0;
}
