/* The ACPI PM block: PM1 status/enable/control, the SCI and the PM timer. */
#include "acpi_pm.h"

#include <string.h>

/* Only the power-button event exists (no timer-carry, RTC or sleep-button events). The other architected enable
 * bits (TMR_EN, GBL_EN, SLPBTN_EN, RTC_EN) still read back as written: ACPICA checks that they stick. */
#define PM1_EVENTS ACPI_PM1_PWRBTN
#define PM1_ENABLE_BITS (0x0001 | 0x0020 | ACPI_PM1_PWRBTN | 0x0200 | 0x0400)
/* Control bits kept: SLP_TYP and BM_RLD; SCI_EN is fixed at 1, GBL_RLS and SLP_EN are write-only. */
#define CNT_KEPT (0x1C00 | 0x0002)

static void update_sci(struct acpi_pm *pm)
{
	bool level = pm->sts & pm->en & PM1_EVENTS;

	if (level != pm->sci_level) {
		pm->sci_level = level;
		dev_irq_set(&pm->sci, level);
	}
}

void acpi_pm_init(struct acpi_pm *pm, struct dev_irq_line sci, void (*power_off)(void *ctx), void *ctx)
{
	memset(pm, 0, sizeof(*pm));
	pm->sci = sci;
	pm->power_off = power_off;
	pm->ctx = ctx;
}

/* The register covering byte offset o: its start and width, or width 0 for a gap. */
static unsigned reg_at(unsigned o, unsigned *start)
{
	if (o < ACPI_PM1_CNT + 2) {
		*start = o & ~1u;
		return 2;
	}
	if (o >= ACPI_PM_TMR && o < ACPI_PM_TMR + 4) {
		*start = ACPI_PM_TMR;
		return 4;
	}
	return 0;
}

static uint32_t read_reg(const struct acpi_pm *pm, uint64_t now_ns, unsigned start)
{
	switch (start) {
	case ACPI_PM1_STS: return pm->sts;
	case ACPI_PM1_EN:  return pm->en;
	case ACPI_PM1_CNT: return pm->cnt | ACPI_PM1_CNT_SCI_EN;
	default:           return (uint32_t)dev_ns_to_ticks(now_ns, ACPI_PM_TIMER_HZ);
	}
}

/* Applies the bytes selected by mask of value to the PM1 register at start (the timer ignores writes). */
static void write_reg(struct acpi_pm *pm, unsigned start, uint16_t value, uint16_t mask)
{
	uint16_t v = value & mask;

	switch (start) {
	case ACPI_PM1_STS:
		pm->sts &= (uint16_t)~v;
		break;
	case ACPI_PM1_EN:
		pm->en = (uint16_t)((pm->en & ~mask) | (v & PM1_ENABLE_BITS));
		break;
	default:   /* ACPI_PM1_CNT */
		pm->cnt = (uint16_t)((pm->cnt & ~(mask & CNT_KEPT)) | (v & CNT_KEPT));
		if ((v & ACPI_PM1_CNT_SLP_EN) &&
		    ((pm->cnt >> ACPI_PM1_CNT_SLP_SHIFT) & 7) == ACPI_PM_SLP_TYP_S5 && pm->power_off)
			pm->power_off(pm->ctx);
		break;
	}
}

uint64_t acpi_pm_read(struct acpi_pm *pm, uint64_t now_ns, unsigned offset, unsigned size)
{
	uint64_t v = 0;
	unsigned start, width;

	if (size > 8)
		size = 8;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = 0xFF;

		if (offset < ACPI_PM_PORTS && i < ACPI_PM_PORTS - offset) {
			width = reg_at(offset + i, &start);
			if (width)
				b = (uint8_t)(read_reg(pm, now_ns, start) >> (8 * (offset + i - start)));
		}
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

void acpi_pm_write(struct acpi_pm *pm, uint64_t now_ns, unsigned offset, unsigned size, uint64_t value)
{
	(void)now_ns;   /* the timer, the only timed register, is read-only */
	if (size > 8)
		size = 8;
	/* Gather the bytes per 16-bit register so that a 16-bit write to PM1_CNT is seen whole. */
	for (unsigned start = 0; start < ACPI_PM1_CNT + 2; start += 2) {
		uint16_t v = 0, mask = 0;

		for (unsigned i = 0; i < size; i++) {
			if (offset + i < offset || offset + i < start || offset + i >= start + 2)
				continue;
			v |= (uint16_t)(((value >> (8 * i)) & 0xFF) << (8 * (offset + i - start)));
			mask |= (uint16_t)(0xFF << (8 * (offset + i - start)));
		}
		if (mask)
			write_reg(pm, start, v, mask);
	}
	update_sci(pm);
}

bool acpi_pm_press_power_button(struct acpi_pm *pm)
{
	pm->sts |= ACPI_PM1_PWRBTN;
	update_sci(pm);
	return pm->en & ACPI_PM1_PWRBTN;
}
