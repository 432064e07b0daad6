/* The guest's ACPI tables (RSDP, XSDT, RSDT, FADT, FACS, MADT and an AML DSDT) for Keel's emulated PC, built
 * into one caller-supplied buffer that the caller then copies into guest RAM. Pure: no kernel dependencies. */
#ifndef HV_BOOT_ACPI_TABLES_H
#define HV_BOOT_ACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The platform the tables describe (hv/platform.c, hv/dev/acpi_pm.h, hv/dev/reset.h). */
#define ACPI_TABLES_LAPIC_BASE   0xfee00000u
#define ACPI_TABLES_IOAPIC_BASE  0xfec00000u
#define ACPI_TABLES_SCI_IRQ      9
#define ACPI_TABLES_PM_BASE      0x600       /* PM1a_EVT_BLK; PM1a_CNT_BLK at +4, PM_TMR_BLK at +8 */
#define ACPI_TABLES_RESET_PORT   0xcf9
#define ACPI_TABLES_RESET_VALUE  0x06
#define ACPI_TABLES_RTC_CENTURY  0x32
#define ACPI_TABLES_S5_SLP_TYP   5           /* == ACPI_PM_SLP_TYP_S5 */

/* APIC IDs are 0..cpus-1 and the IOAPIC takes ID cpus, so at most 254 CPUs keep every ID below 0xFF. */
#define ACPI_TABLES_MAX_CPUS 254
/* Enough for ACPI_TABLES_MAX_CPUS with every optional device (checked by the unit test). */
#define ACPI_TABLES_MAX_SIZE 16384

struct acpi_tables_config {
	unsigned cpus;   /* 1..ACPI_TABLES_MAX_CPUS */
	bool com1;       /* declare COM1 (PNP0501, 0x3F8, IRQ 4) in the DSDT */
	bool rtc;        /* declare the CMOS RTC (PNP0B00, 0x70, IRQ 8) in the DSDT */
};

/* Where each table landed: byte offsets into the buffer (add buf_gpa for guest-physical addresses). */
struct acpi_tables_layout {
	uint32_t rsdp, xsdt, rsdt, fadt, facs, madt, dsdt;
	uint32_t size;   /* bytes of the buffer used */
};

/* Builds every table into buf (cap bytes; nothing is written at or past cap), for a buffer that the guest
 * sees at guest-physical buf_gpa (16-byte aligned, the whole buffer below 4 GiB). The RSDP comes first
 * (offset 0, 36 bytes): a verbatim copy of it anywhere in the guest (e.g. in the BIOS area that old kernels
 * scan) is valid too, since every pointer is absolute. Returns 0 and fills *out, -EINVAL for a bad config or
 * buf_gpa, -ENOSPC when cap is too small. */
int acpi_tables_build(const struct acpi_tables_config *cfg, uint8_t *buf, size_t cap, uint64_t buf_gpa,
		      struct acpi_tables_layout *out);

/* The byte that makes len bytes at p sum to zero when stored in a checksum field that holds zero. */
uint8_t acpi_tables_checksum(const uint8_t *p, size_t len);

#endif
