/* ACPI table reading (RSDP, XSDT/RSDT, MADT, FADT, the \_S5 package of the DSDT), power off and reset.
 * Table layouts are those of the ACPI specification; every length is checked against its table. */
#include <errno.h>
#include <string.h>
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/boot/boot_info.h"
#include "kernel/log.h"
#include "kernel/mm/phys.h"
#include "kernel/time.h"

struct acpi_platform acpi;

struct sdt_header {
	char signature[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem_id[6], oem_table_id[8];
	uint32_t oem_revision, creator_id, creator_revision;
} __attribute__((packed));

static int checksum_ok(const void *p, uint32_t len)
{
	uint8_t sum = 0;
	for (uint32_t i = 0; i < len; i++)
		sum += ((const uint8_t *)p)[i];
	return sum == 0;
}

/* A table at pa, or NULL when its header is implausible or its checksum fails. */
static const struct sdt_header *table_at(uint64_t pa)
{
	/* The direct map covers RAM and everything below 4 GiB. */
	uint64_t end = phys_max_address() > (4ull << 30) ? phys_max_address() : (4ull << 30);
	if (!pa || pa > end - sizeof(struct sdt_header))
		return NULL;
	const struct sdt_header *h = phys_to_virt(pa);
	if (h->length < sizeof *h || h->length > (16u << 20) || h->length > end - pa || !checksum_ok(h, h->length))
		return NULL;
	return h;
}

static void parse_madt(const struct sdt_header *h)
{
	const uint8_t *p = (const uint8_t *)h;
	uint32_t lapic32;
	memcpy(&lapic32, p + 36, 4);
	acpi.lapic_address = lapic32;
	for (uint32_t off = 44; off + 2 <= h->length;) {
		uint8_t type = p[off], len = p[off + 1];
		if (len < 2 || off + len > h->length)
			break;
		const uint8_t *e = p + off;
		uint32_t flags;
		switch (type) {
		case 0: /* processor local APIC: enabled (bit 0) or online capable (bit 1) */
			memcpy(&flags, e + 4, 4);
			if (len >= 8 && (flags & 3) && acpi.cpu_count < ACPI_MAX_CPUS)
				acpi.cpu_apic_id[acpi.cpu_count++] = e[3];
			break;
		case 1: /* I/O APIC: the first one routes the ISA interrupts */
			if (len >= 12 && !acpi.ioapic_address) {
				uint32_t addr;
				memcpy(&addr, e + 4, 4);
				memcpy(&acpi.ioapic_gsi_base, e + 8, 4);
				acpi.ioapic_address = addr;
			}
			break;
		case 2: /* interrupt source override */
			if (len >= 10 && e[3] < 16) {
				struct acpi_isa_override *o = &acpi.isa[e[3]];
				memcpy(&o->gsi, e + 4, 4);
				memcpy(&o->flags, e + 8, 2);
				o->present = true;
			}
			break;
		case 5: /* 64-bit local APIC address override */
			if (len >= 12)
				memcpy(&acpi.lapic_address, e + 4, 8);
			break;
		default:
			break;
		}
		off += len;
	}
}

/* Finds "_S5_" followed by a package and reads its first two integers (SLP_TYPa and SLP_TYPb). */
static void parse_s5(const struct sdt_header *dsdt)
{
	const uint8_t *p = (const uint8_t *)dsdt;
	uint32_t len = dsdt->length;
	for (uint32_t i = sizeof *dsdt; i + 8 < len; i++) {
		if (memcmp(p + i, "_S5_", 4) || p[i + 4] != 0x12) /* PackageOp */
			continue;
		uint32_t j = i + 5;
		j += (p[j] >> 6) + 1; /* PkgLength: extra bytes in bits 6-7 */
		j += 1;               /* NumElements */
		uint8_t values[2];
		for (int k = 0; k < 2; k++) {
			if (j >= len)
				return;
			if (p[j] == 0x0a && j + 1 < len) { /* BytePrefix */
				values[k] = p[j + 1];
				j += 2;
			} else if (p[j] == 0x00 || p[j] == 0x01) { /* ZeroOp, OneOp */
				values[k] = p[j];
				j += 1;
			} else {
				return;
			}
		}
		acpi.s5_found = true;
		acpi.s5_type_a = values[0];
		acpi.s5_type_b = values[1];
		return;
	}
}

static void parse_fadt(const struct sdt_header *h)
{
	const uint8_t *p = (const uint8_t *)h;
	uint32_t len = h->length, v32;
	if (len < 116)
		return;
	memcpy(&acpi.smi_command, p + 48, 4);
	acpi.acpi_enable_value = p[52];
	memcpy(&v32, p + 64, 4);
	acpi.pm1a_control = (uint16_t)v32;
	memcpy(&v32, p + 68, 4);
	acpi.pm1b_control = (uint16_t)v32;
	memcpy(&v32, p + 76, 4);
	acpi.pm_timer_port = (uint16_t)v32;
	uint32_t flags;
	memcpy(&flags, p + 112, 4);
	acpi.pm_timer_32bit = flags & (1u << 8);
	if (len >= 129 && (flags & (1u << 10))) {
		memcpy(&acpi.reset_register, p + 116, sizeof acpi.reset_register);
		acpi.reset_value = p[128];
		acpi.reset_supported = true;
	}
	uint64_t dsdt = 0;
	memcpy(&v32, p + 40, 4);
	dsdt = v32;
	if (len >= 148) {
		uint64_t x;
		memcpy(&x, p + 140, 8);
		if (x)
			dsdt = x;
	}
	const struct sdt_header *d = table_at(dsdt);
	if (d)
		parse_s5(d);
}

int acpi_init(const struct boot_info *bi)
{
	const uint8_t *rsdp = bi->rsdp;
	if (!bi->rsdp_phys || memcmp(rsdp, "RSD PTR ", 8) || !checksum_ok(rsdp, 20))
		return -ENODEV;
	uint32_t rsdt32;
	uint64_t xsdt = 0;
	memcpy(&rsdt32, rsdp + 16, 4);
	if (rsdp[15] >= 2 && checksum_ok(rsdp, 36))
		memcpy(&xsdt, rsdp + 24, 8);

	const struct sdt_header *root = table_at(xsdt);
	unsigned entry_size = 8;
	if (!root) {
		root = table_at(rsdt32);
		entry_size = 4;
	}
	if (!root)
		return -ENODEV;
	unsigned n = (root->length - sizeof *root) / entry_size;
	for (unsigned i = 0; i < n; i++) {
		uint64_t pa = 0;
		memcpy(&pa, (const uint8_t *)root + sizeof *root + i * entry_size, entry_size);
		const struct sdt_header *t = table_at(pa);
		if (!t)
			continue;
		if (!memcmp(t->signature, "APIC", 4))
			parse_madt(t);
		else if (!memcmp(t->signature, "FACP", 4))
			parse_fadt(t);
	}
	return 0;
}

void acpi_power_off(void)
{
	if (!acpi.s5_found || !acpi.pm1a_control)
		return;
	/* Firmware may leave ACPI in legacy mode; sleep control works only with SCI_EN set. */
	if (!(inw(acpi.pm1a_control) & 1) && acpi.smi_command && acpi.acpi_enable_value) {
		outb((uint16_t)acpi.smi_command, acpi.acpi_enable_value);
		for (int i = 0; i < 300 && !(inw(acpi.pm1a_control) & 1); i++)
			time_delay_us(10000);
	}
	outw(acpi.pm1a_control, (uint16_t)((acpi.s5_type_a << 10) | (1u << 13)));
	if (acpi.pm1b_control)
		outw(acpi.pm1b_control, (uint16_t)((acpi.s5_type_b << 10) | (1u << 13)));
	time_delay_us(1000000);
}

void acpi_reset(void)
{
	if (acpi.reset_supported) {
		if (acpi.reset_register.space == 1)
			outb((uint16_t)acpi.reset_register.address, acpi.reset_value);
		else if (acpi.reset_register.space == 0)
			*(volatile uint8_t *)phys_to_virt(acpi.reset_register.address) = acpi.reset_value;
		time_delay_us(100000);
	}
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	time_delay_us(100000);
	for (int i = 0; i < 100000 && (inb(0x64) & 2); i++)
		cpu_relax();
	outb(0x64, 0xfe);
	time_delay_us(100000);
	/* A triple fault: an empty IDT and an exception. */
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };
	__asm__ volatile("lidt %0; int3" : : "m"(empty));
	for (;;)
		cpu_halt();
}
