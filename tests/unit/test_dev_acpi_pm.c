/* Unit tests for hv/dev/acpi_pm.c: the PM timer's frequency and 32-bit wrap, PM1 status write-1-to-clear,
 * enable, the power button raising and lowering the SCI, S5 through SLP_EN, other sleep types ignored, and
 * hostile offsets and sizes. */
#include "../../hv/dev/acpi_pm.h"

#include <stdbool.h>
#include <stdint.h>

#include "check.h"

static bool sci;
static unsigned power_offs;

static void sci_set(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	CHECK_EQ(line, ACPI_PM_SCI_IRQ);
	sci = level;
}

static void power_off(void *ctx)
{
	(*(unsigned *)ctx)++;
}

static void setup(struct acpi_pm *pm)
{
	sci = false;
	power_offs = 0;
	acpi_pm_init(pm, (struct dev_irq_line){ sci_set, NULL, ACPI_PM_SCI_IRQ }, power_off, &power_offs);
}

static void test_timer(void)
{
	struct acpi_pm pm;

	setup(&pm);
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM_TMR, 4), 0);
	CHECK_EQ(acpi_pm_read(&pm, 1000000000, ACPI_PM_TMR, 4), 3579545);
	CHECK_EQ(acpi_pm_read(&pm, 1000, ACPI_PM_TMR, 4), 3);   /* 3.58 ticks per microsecond */
	CHECK_EQ(acpi_pm_read(&pm, 280, ACPI_PM_TMR, 4), 1);
	CHECK_EQ(acpi_pm_read(&pm, 279, ACPI_PM_TMR, 4), 0);
	/* 32 bits wide: wraps after 2^32 ticks (about 1200 s). */
	uint64_t wrap = dev_ticks_to_ns(1ull << 32, ACPI_PM_TIMER_HZ);
	CHECK_EQ(acpi_pm_read(&pm, wrap - 1, ACPI_PM_TMR, 4), 0xFFFFFFFFu);
	CHECK_EQ(acpi_pm_read(&pm, wrap, ACPI_PM_TMR, 4), 0);
	/* Byte and word reads of the timer's parts agree with the whole. */
	uint64_t t = 123456789;
	uint32_t whole = (uint32_t)acpi_pm_read(&pm, t, ACPI_PM_TMR, 4);
	CHECK_EQ(acpi_pm_read(&pm, t, ACPI_PM_TMR + 2, 2), whole >> 16);
	CHECK_EQ(acpi_pm_read(&pm, t, ACPI_PM_TMR + 3, 1), whole >> 24);
	/* Writes are ignored. */
	acpi_pm_write(&pm, t, ACPI_PM_TMR, 4, 0);
	CHECK_EQ(acpi_pm_read(&pm, t, ACPI_PM_TMR, 4), whole);
}

static void test_power_button(void)
{
	struct acpi_pm pm;

	setup(&pm);
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM1_CNT, 2), ACPI_PM1_CNT_SCI_EN);
	/* Not enabled: status set, no SCI, and the caller learns the guest does not listen. */
	CHECK(!acpi_pm_press_power_button(&pm));
	CHECK(!sci);
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM1_STS, 2), ACPI_PM1_PWRBTN);
	/* Enabling with the status still set raises the SCI (a level). */
	acpi_pm_write(&pm, 0, ACPI_PM1_EN, 2, ACPI_PM1_PWRBTN);
	CHECK(sci);
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM1_EN, 2), ACPI_PM1_PWRBTN);
	/* Writing 0 to the status changes nothing; writing 1 clears. */
	acpi_pm_write(&pm, 0, ACPI_PM1_STS, 2, 0);
	CHECK(sci);
	acpi_pm_write(&pm, 0, ACPI_PM1_STS, 2, ACPI_PM1_PWRBTN);
	CHECK(!sci);
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM1_STS, 2), 0);
	/* Enabled: the press raises the SCI at once. */
	CHECK(acpi_pm_press_power_button(&pm));
	CHECK(sci);
	/* The byte lane of bit 8 alone clears it too. */
	acpi_pm_write(&pm, 0, ACPI_PM1_STS + 1, 1, 0x01);
	CHECK(!sci);
	/* Disabling lowers a pending SCI; the architected enable bits read back as written, the rest read 0. */
	acpi_pm_press_power_button(&pm);
	acpi_pm_write(&pm, 0, ACPI_PM1_EN, 2, 0xFEFF);
	CHECK(!sci);
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM1_EN, 2), 0x0621);
	/* A 4-byte write at the event block: status (clear) and enable together, as ACPICA may do. */
	acpi_pm_write(&pm, 0, ACPI_PM1_STS, 4, 0x01000100);
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM1_STS, 4), 0x01000000);
	CHECK(!sci);
	CHECK_EQ(power_offs, 0);
}

static void test_sleep(void)
{
	struct acpi_pm pm;

	setup(&pm);
	/* SLP_TYP without SLP_EN: stored, nothing happens. */
	acpi_pm_write(&pm, 0, ACPI_PM1_CNT, 2, ACPI_PM_SLP_TYP_S5 << ACPI_PM1_CNT_SLP_SHIFT);
	CHECK_EQ(power_offs, 0);
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM1_CNT, 2), (ACPI_PM_SLP_TYP_S5 << 10) | 1);
	/* Other sleep states are not offered: ignored. */
	acpi_pm_write(&pm, 0, ACPI_PM1_CNT, 2, (1 << 10) | ACPI_PM1_CNT_SLP_EN);
	CHECK_EQ(power_offs, 0);
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM1_CNT, 2) & ACPI_PM1_CNT_SLP_EN, 0);   /* write-only */
	/* Linux's S5: SLP_TYP then SLP_EN in a second write. */
	acpi_pm_write(&pm, 0, ACPI_PM1_CNT, 2, (ACPI_PM_SLP_TYP_S5 << 10) | 1);
	acpi_pm_write(&pm, 0, ACPI_PM1_CNT, 2, (ACPI_PM_SLP_TYP_S5 << 10) | 1 | ACPI_PM1_CNT_SLP_EN);
	CHECK_EQ(power_offs, 1);
	/* Byte-wise: the high byte holds both fields. */
	acpi_pm_write(&pm, 0, ACPI_PM1_CNT + 1, 1, ((ACPI_PM_SLP_TYP_S5 << 10) | ACPI_PM1_CNT_SLP_EN) >> 8);
	CHECK_EQ(power_offs, 2);
	/* A low-byte write keeps SLP_TYP. */
	acpi_pm_write(&pm, 0, ACPI_PM1_CNT, 1, 0x00);
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM1_CNT, 2), (ACPI_PM_SLP_TYP_S5 << 10) | 1);
}

static void test_hostile(void)
{
	struct acpi_pm pm;

	setup(&pm);
	CHECK_EQ(acpi_pm_read(&pm, 0, 6, 2), 0xFFFF);   /* the gap between PM1_CNT and the timer */
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM_PORTS, 4), 0xFFFFFFFFu);
	CHECK_EQ(acpi_pm_read(&pm, 0, 0xFFFFFFFFu, 8), UINT64_MAX);
	CHECK_EQ(acpi_pm_read(&pm, 1000000000, 10, 4), 0xFFFF0000u | (3579545u >> 16));
	acpi_pm_write(&pm, 0, 0xFFFFFFFFu, 8, ~0ull);
	acpi_pm_write(&pm, 0, 6, 8, ~0ull);
	acpi_pm_write(&pm, 0, ACPI_PM_PORTS, 8, ~0ull);
	CHECK_EQ(power_offs, 0);
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM1_STS, 0), 0);
	/* An 8-byte write over the whole PM1 area: all ones clears status, enables the button, and asks for
	 * sleep type 7, which is not S5. */
	acpi_pm_write(&pm, 0, 0, 8, ~0ull);
	CHECK_EQ(power_offs, 0);
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM1_CNT, 2), 0x1C03);
	CHECK_EQ(acpi_pm_read(&pm, 0, ACPI_PM1_EN, 2), 0x0721);
}

int main(void)
{
	test_timer();
	test_power_button();
	test_sleep();
	test_hostile();
	return check_summary();
}
