/* What Keel reads from the firmware's ACPI tables: CPUs and interrupt routing (MADT), the PM timer, power
 * off and reset (FADT, and \_S5 from the DSDT). */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include <stdbool.h>
#include <stdint.h>

struct boot_info;

#define ACPI_MAX_CPUS 64

struct acpi_generic_address {
	uint8_t space; /* 0 memory, 1 I/O port */
	uint8_t bit_width, bit_offset, access_size;
	uint64_t address;
} __attribute__((packed));

struct acpi_isa_override {
	uint32_t gsi;
	uint16_t flags; /* MPS INTI flags: polarity bits 0-1, trigger bits 2-3 */
	bool present;
};

struct acpi_platform {
	unsigned cpu_count;
	uint32_t cpu_apic_id[ACPI_MAX_CPUS];
	uint64_t lapic_address;
	uint64_t ioapic_address;
	uint32_t ioapic_gsi_base;
	struct acpi_isa_override isa[16];
	uint16_t pm_timer_port; /* 0 when absent */
	bool pm_timer_32bit;
	uint16_t pm1a_control, pm1b_control;
	uint32_t smi_command;
	uint8_t acpi_enable_value;
	bool s5_found;
	uint8_t s5_type_a, s5_type_b;
	bool reset_supported;
	struct acpi_generic_address reset_register;
	uint8_t reset_value;
};

extern struct acpi_platform acpi;

/* Reads the tables that the RSDP in bi leads to. Returns 0, or a negative errno when there is no usable
 * RSDP (Keel then runs on one CPU with default interrupt routing). */
int acpi_init(const struct boot_info *bi);
/* Enters S5. Returns only if that failed. */
void acpi_power_off(void);
/* Resets the machine through the FADT reset register, port 0xCF9, the i8042, then a triple fault. */
__attribute__((noreturn)) void acpi_reset(void);

#endif
