/* The ACPI fixed-hardware PM block Keel's FADT declares: PM1a event (status, enable), PM1a control and the PM
 * timer, at port 0x600 as on QEMU's q35. ACPI is always on (SCI_EN reads 1, no SMI command port). The power
 * button raises the SCI (IRQ 9, level, active while PWRBTN_STS and PWRBTN_EN are both set); writing SLP_EN with
 * SLP_TYP = ACPI_PM_SLP_TYP_S5 powers off. */
#ifndef KEEL_HV_DEV_ACPI_PM_H
#define KEEL_HV_DEV_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "dev.h"

#define ACPI_PM_PORT      0x600
#define ACPI_PM_PORTS     12      /* 0x600-0x60B */
#define ACPI_PM_SCI_IRQ   9

/* Offsets from ACPI_PM_PORT (the FADT gives PM1a_EVT_BLK = base, length 4; PM1a_CNT_BLK = base + 4, length 2;
 * PM_TMR_BLK = base + 8, length 4). */
#define ACPI_PM1_STS 0x0
#define ACPI_PM1_EN  0x2
#define ACPI_PM1_CNT 0x4
#define ACPI_PM_TMR  0x8

#define ACPI_PM1_PWRBTN        0x0100     /* PWRBTN_STS / PWRBTN_EN */
#define ACPI_PM1_CNT_SCI_EN    0x0001
#define ACPI_PM1_CNT_SLP_SHIFT 10         /* SLP_TYP, bits 10-12 */
#define ACPI_PM1_CNT_SLP_EN    0x2000

/* The SLP_TYP value of \_S5 in Keel's DSDT. */
#define ACPI_PM_SLP_TYP_S5 5

/* The PM timer: 3.579545 MHz, 32 bits wide (the FADT sets TMR_VAL_EXT). */
#define ACPI_PM_TIMER_HZ 3579545u

struct acpi_pm {
	struct dev_irq_line sci;
	bool sci_level;
	void (*power_off)(void *ctx);
	void *ctx;
	uint16_t sts, en, cnt;
};

/* Resets the block: no status, nothing enabled, SLP_TYP 0. power_off is called when the guest enters S5. */
void acpi_pm_init(struct acpi_pm *pm, struct dev_irq_line sci, void (*power_off)(void *ctx), void *ctx);

/* A guest access at ACPI_PM_PORT + offset, of any size, byte lanes mapped onto the 16- and 32-bit registers
 * they cover (bytes outside the registers read 0xFF). PM1 status is write-1-to-clear; the timer reads
 * now_ns * 3.579545 MHz modulo 2^32 and ignores writes. */
uint64_t acpi_pm_read(struct acpi_pm *pm, uint64_t now_ns, unsigned offset, unsigned size);
void acpi_pm_write(struct acpi_pm *pm, uint64_t now_ns, unsigned offset, unsigned size, uint64_t value);

/* Presses the power button: sets PWRBTN_STS, raising the SCI when the guest enabled the event. Returns whether
 * it did (false: the guest does not listen, an ACPI-less guest never powers off this way). */
bool acpi_pm_press_power_button(struct acpi_pm *pm);

#endif
