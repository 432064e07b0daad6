/* Unit tests for hv/dev/rtc.c: the calendar in BCD and binary, 12- and 24-hour formats, leap days, UIP, the
 * periodic rate, update-ended and alarm interrupts with register C, SET and time writes as guest offsets, the
 * memory-size bytes, CMOS RAM and hostile accesses. */
#include "../../hv/dev/rtc.h"

#include <stdbool.h>
#include <stdint.h>

#include "check.h"

#define T2023 1700000000ull   /* Tuesday 2023-11-14 22:13:20 UTC */
#define SEC   1000000000ull

static bool irq;
static unsigned irq_edges;

static void irq_set(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	CHECK_EQ(line, RTC_IRQ);
	if (level && !irq)
		irq_edges++;
	irq = level;
}

static void setup(struct rtc *rtc, uint64_t unix_seconds, uint64_t now)
{
	irq = false;
	irq_edges = 0;
	rtc_init(rtc, (struct dev_irq_line){ irq_set, NULL, RTC_IRQ }, unix_seconds * SEC, now);
}

static uint8_t cmos_rd(struct rtc *rtc, uint64_t now, uint8_t index)
{
	rtc_write(rtc, now, 0, 1, index);
	return (uint8_t)rtc_read(rtc, now, 1, 1);
}

static void cmos_wr(struct rtc *rtc, uint64_t now, uint8_t index, uint8_t v)
{
	rtc_write(rtc, now, 0, 1, index);
	rtc_write(rtc, now, 1, 1, v);
}

static void test_calendar(void)
{
	struct rtc rtc;
	const uint64_t t0 = 7 * SEC + 123;

	setup(&rtc, T2023, t0);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_SECONDS), 0x20);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_MINUTES), 0x13);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_HOURS), 0x22);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_DAY_OF_WEEK), 0x03);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_DAY_OF_MONTH), 0x14);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_MONTH), 0x11);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_YEAR), 0x23);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_CENTURY), 0x20);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_REG_A), 0x26);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_REG_B), 0x02);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_REG_D), RTC_D_VRT);
	/* Time passes with now_ns. */
	CHECK_EQ(cmos_rd(&rtc, t0 + SEC - 1, RTC_SECONDS), 0x20);
	CHECK_EQ(cmos_rd(&rtc, t0 + SEC, RTC_SECONDS), 0x21);
	CHECK_EQ(cmos_rd(&rtc, t0 + 100 * SEC, RTC_MINUTES), 0x15);

	/* Binary. */
	cmos_wr(&rtc, t0, RTC_REG_B, RTC_B_24H | RTC_B_DM);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_SECONDS), 20);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_HOURS), 22);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_YEAR), 23);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_CENTURY), 20);
	/* 12-hour, binary: 22h is 10 PM. */
	cmos_wr(&rtc, t0, RTC_REG_B, RTC_B_DM);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_HOURS), 0x80 | 10);
	/* 12-hour, BCD. */
	cmos_wr(&rtc, t0, RTC_REG_B, 0);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_HOURS), 0x90);
	/* Morning, midnight and noon in 12-hour form: 4 AM, 12 AM and 12 PM. */
	setup(&rtc, 1699920000ull + 4 * 3600, 0);
	cmos_wr(&rtc, 0, RTC_REG_B, 0);
	CHECK_EQ(cmos_rd(&rtc, 0, RTC_HOURS), 0x04);
	setup(&rtc, 1699920000ull, 0);   /* 2023-11-14 00:00:00 */
	cmos_wr(&rtc, 0, RTC_REG_B, 0);
	CHECK_EQ(cmos_rd(&rtc, 0, RTC_HOURS), 0x12);
	CHECK_EQ(cmos_rd(&rtc, 12 * 3600 * SEC, RTC_HOURS), 0x92);

	/* A leap day, and the day after. */
	setup(&rtc, 1709164800ull, 0);   /* 2024-02-29 00:00:00, a Thursday */
	CHECK_EQ(cmos_rd(&rtc, 0, RTC_DAY_OF_MONTH), 0x29);
	CHECK_EQ(cmos_rd(&rtc, 0, RTC_MONTH), 0x02);
	CHECK_EQ(cmos_rd(&rtc, 0, RTC_DAY_OF_WEEK), 0x05);
	CHECK_EQ(cmos_rd(&rtc, 86400 * SEC, RTC_DAY_OF_MONTH), 0x01);
	CHECK_EQ(cmos_rd(&rtc, 86400 * SEC, RTC_MONTH), 0x03);
	/* The epoch and the end of the century. */
	setup(&rtc, 0, 0);
	CHECK_EQ(cmos_rd(&rtc, 0, RTC_YEAR), 0x70);
	CHECK_EQ(cmos_rd(&rtc, 0, RTC_CENTURY), 0x19);
	CHECK_EQ(cmos_rd(&rtc, 0, RTC_DAY_OF_WEEK), 0x05);
	setup(&rtc, 4102444799ull, 0);   /* 2099-12-31 23:59:59 */
	CHECK_EQ(cmos_rd(&rtc, SEC, RTC_YEAR), 0x00);
	CHECK_EQ(cmos_rd(&rtc, SEC, RTC_CENTURY), 0x21);
}

/* The host's clock read 22:13:20.4 at guest time 0: the seconds turn at guest time 0.6 s, and UIP rises 244 us
 * before. */
static void test_phase(void)
{
	struct rtc rtc;

	irq = false;
	rtc_init(&rtc, (struct dev_irq_line){ irq_set, NULL, RTC_IRQ }, T2023 * SEC + 400000000, 0);
	cmos_wr(&rtc, 0, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	CHECK_EQ(rtc_next_deadline(&rtc), 600000000);
	CHECK_EQ(cmos_rd(&rtc, 0, RTC_SECONDS), 0x20);
	CHECK_EQ(cmos_rd(&rtc, 600000000 - 244001, RTC_REG_A) & RTC_A_UIP, 0);
	CHECK_EQ(cmos_rd(&rtc, 600000000 - 244000, RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
	CHECK_EQ(cmos_rd(&rtc, 599999999, RTC_SECONDS), 0x20);
	CHECK_EQ(cmos_rd(&rtc, 600000000, RTC_SECONDS), 0x21);
	rtc_advance(&rtc, 600000000);
	CHECK(irq);
	/* Periodic ticks are in phase with the seconds too: rate 15 (2 Hz) at 0.1 s, 0.6 s, ... after 0. */
	rtc_init(&rtc, (struct dev_irq_line){ irq_set, NULL, RTC_IRQ }, T2023 * SEC + 400000000, 0);
	cmos_wr(&rtc, 0, RTC_REG_A, 0x2F);
	cmos_wr(&rtc, 0, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	CHECK_EQ(rtc_next_deadline(&rtc), 100000000);
}

static void test_uip(void)
{
	struct rtc rtc;

	setup(&rtc, T2023, 1000);
	CHECK_EQ(cmos_rd(&rtc, 1000 + SEC / 2, RTC_REG_A) & RTC_A_UIP, 0);
	CHECK_EQ(cmos_rd(&rtc, 1000 + SEC - 244001, RTC_REG_A) & RTC_A_UIP, 0);
	CHECK_EQ(cmos_rd(&rtc, 1000 + SEC - 244000, RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
	CHECK_EQ(cmos_rd(&rtc, 1000 + SEC, RTC_REG_A) & RTC_A_UIP, 0);
	/* Register A's UIP is read-only. */
	cmos_wr(&rtc, 0, RTC_REG_A, 0xA6);
	CHECK_EQ(cmos_rd(&rtc, 1000, RTC_REG_A), 0x26);
}

static void test_periodic(void)
{
	struct rtc rtc;
	uint64_t t = 5000;

	setup(&rtc, T2023, t);
	CHECK_EQ(rtc_next_deadline(&rtc), UINT64_MAX);
	cmos_wr(&rtc, t, RTC_REG_B, RTC_B_24H | RTC_B_PIE);   /* rate 6: 1024 Hz */
	CHECK_EQ(rtc_next_deadline(&rtc), t + 976563);
	rtc_advance(&rtc, t + 976562);
	CHECK(!irq);
	rtc_advance(&rtc, t + 976563);
	CHECK(irq);
	CHECK_EQ(rtc_next_deadline(&rtc), UINT64_MAX);   /* until C is read */
	CHECK_EQ(cmos_rd(&rtc, t + 976600, RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
	CHECK(!irq);
	CHECK_EQ(cmos_rd(&rtc, t + 976600, RTC_REG_C), 0);
	CHECK_EQ(rtc_next_deadline(&rtc), t + 1953125);
	/* Late: one interrupt for many periods, then back in phase. */
	rtc_advance(&rtc, t + 10 * 976563);
	CHECK_EQ(irq_edges, 2);
	cmos_rd(&rtc, t + 10 * 976563, RTC_REG_C);
	CHECK_EQ(rtc_next_deadline(&rtc), t + 10742188);   /* the 11th tick: 11 * 32 / 32768 s */

	/* Rates: 15 = 2 Hz, 3 = 8192 Hz, 1 = 256 Hz (like 8), 0 = none. */
	static const struct { uint8_t a; uint64_t ns; } rates[] = {
		{ 0x2F, 500000000 }, { 0x23, 122071 }, { 0x21, 3906250 }, { 0x28, 3906250 }, { 0x20, UINT64_MAX },
	};
	for (unsigned i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		setup(&rtc, T2023, t);
		cmos_wr(&rtc, t, RTC_REG_A, rates[i].a);
		cmos_wr(&rtc, t, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
		CHECK_EQ(rtc_next_deadline(&rtc), rates[i].ns == UINT64_MAX ? UINT64_MAX : t + rates[i].ns);
	}
	/* PF is set even with PIE off, without IRQF. */
	setup(&rtc, T2023, 2000 * SEC);
	CHECK_EQ(cmos_rd(&rtc, 2000 * SEC + 2000000, RTC_REG_C), RTC_C_PF);
	CHECK(!irq);
	/* Enabling PIE while PF is set raises IRQF at once. */
	rtc_advance(&rtc, 2000 * SEC + 4000000);
	cmos_wr(&rtc, 2000 * SEC + 4000000, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	CHECK(irq);
}

static void test_update_and_alarm(void)
{
	struct rtc rtc;
	const uint64_t t0 = 42;

	setup(&rtc, T2023, t0);
	cmos_wr(&rtc, t0, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	CHECK_EQ(rtc_next_deadline(&rtc), t0 + SEC);
	rtc_advance(&rtc, t0 + SEC);
	CHECK(irq);
	/* (PF is set too: register A's default rate runs even without PIE.) */
	CHECK_EQ(cmos_rd(&rtc, t0 + SEC, RTC_REG_C) & ~RTC_C_PF, RTC_C_IRQF | RTC_C_UF);
	CHECK_EQ(rtc_next_deadline(&rtc), t0 + 2 * SEC);

	/* Alarm at 22:13:25: five seconds after t0. */
	cmos_wr(&rtc, t0 + SEC, RTC_REG_B, RTC_B_24H | RTC_B_AIE);
	cmos_wr(&rtc, t0 + SEC, RTC_HOURS_ALARM, 0x22);
	cmos_wr(&rtc, t0 + SEC, RTC_MINUTES_ALARM, 0x13);
	cmos_wr(&rtc, t0 + SEC, RTC_SECONDS_ALARM, 0x25);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_SECONDS_ALARM), 0x25);
	CHECK_EQ(rtc_next_deadline(&rtc), t0 + 5 * SEC);
	rtc_advance(&rtc, t0 + 5 * SEC - 1);
	CHECK(!irq);
	rtc_advance(&rtc, t0 + 5 * SEC);
	CHECK(irq);
	CHECK_EQ(cmos_rd(&rtc, t0 + 5 * SEC, RTC_REG_C) & ~RTC_C_PF, RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	/* Next match: tomorrow. */
	CHECK_EQ(rtc_next_deadline(&rtc), t0 + 5 * SEC + 86400 * SEC);
	/* Don't-care hours and minutes: second 25 of every minute. */
	cmos_wr(&rtc, t0 + 5 * SEC, RTC_HOURS_ALARM, 0xC0);
	cmos_wr(&rtc, t0 + 5 * SEC, RTC_MINUTES_ALARM, 0xFF);
	CHECK_EQ(rtc_next_deadline(&rtc), t0 + 65 * SEC);
	/* All don't care: every second. */
	cmos_wr(&rtc, t0 + 5 * SEC, RTC_SECONDS_ALARM, 0xC0);
	CHECK_EQ(rtc_next_deadline(&rtc), t0 + 6 * SEC);
	/* An impossible alarm never fires. */
	cmos_wr(&rtc, t0 + 5 * SEC, RTC_SECONDS_ALARM, 0x61);
	CHECK_EQ(rtc_next_deadline(&rtc), UINT64_MAX);
	/* Missed alarms between two checks are still seen. */
	cmos_wr(&rtc, t0 + 5 * SEC, RTC_SECONDS_ALARM, 0x30);
	rtc_advance(&rtc, t0 + 100 * SEC);
	CHECK(irq);
	CHECK_EQ(cmos_rd(&rtc, t0 + 100 * SEC, RTC_REG_C) & ~RTC_C_PF, RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	/* An alarm in 12-hour mode: 10 PM. */
	cmos_wr(&rtc, t0 + 100 * SEC, RTC_REG_B, RTC_B_AIE);
	cmos_wr(&rtc, t0 + 100 * SEC, RTC_HOURS_ALARM, 0x90);
	cmos_wr(&rtc, t0 + 100 * SEC, RTC_MINUTES_ALARM, 0x20);
	cmos_wr(&rtc, t0 + 100 * SEC, RTC_SECONDS_ALARM, 0x00);
	CHECK_EQ(rtc_next_deadline(&rtc), t0 + (6 * 60 + 40) * SEC);
}

static void test_set_and_offsets(void)
{
	struct rtc rtc;
	const uint64_t t0 = SEC / 4;
	uint8_t dow;

	setup(&rtc, T2023, t0);
	/* Setting the clock the way an OS does: SET, write fields, clear SET. */
	cmos_wr(&rtc, t0, RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_UIE);
	CHECK_EQ(cmos_rd(&rtc, t0, RTC_REG_B), RTC_B_SET | RTC_B_24H);   /* SET clears UIE */
	cmos_wr(&rtc, t0, RTC_HOURS, 0x05);
	cmos_wr(&rtc, t0, RTC_MINUTES, 0x06);
	cmos_wr(&rtc, t0, RTC_SECONDS, 0x07);
	cmos_wr(&rtc, t0, RTC_YEAR, 0x30);
	cmos_wr(&rtc, t0, RTC_MONTH, 0x02);
	cmos_wr(&rtc, t0, RTC_DAY_OF_MONTH, 0x28);
	/* Frozen while SET. */
	CHECK_EQ(cmos_rd(&rtc, t0 + 10 * SEC, RTC_SECONDS), 0x07);
	CHECK_EQ(cmos_rd(&rtc, t0 + 10 * SEC, RTC_REG_A) & RTC_A_UIP, 0);
	rtc_advance(&rtc, t0 + 20 * SEC);
	CHECK_EQ(cmos_rd(&rtc, t0 + 20 * SEC, RTC_REG_C) & RTC_C_UF, 0);   /* no updates either */
	cmos_wr(&rtc, t0 + 20 * SEC, RTC_REG_B, RTC_B_24H);
	CHECK_EQ(cmos_rd(&rtc, t0 + 21 * SEC - 1, RTC_SECONDS), 0x07);
	CHECK_EQ(cmos_rd(&rtc, t0 + 21 * SEC, RTC_SECONDS), 0x08);
	CHECK_EQ(cmos_rd(&rtc, t0 + 21 * SEC, RTC_HOURS), 0x05);
	CHECK_EQ(cmos_rd(&rtc, t0 + 21 * SEC, RTC_DAY_OF_MONTH), 0x28);
	CHECK_EQ(cmos_rd(&rtc, t0 + 21 * SEC, RTC_MONTH), 0x02);
	CHECK_EQ(cmos_rd(&rtc, t0 + 21 * SEC, RTC_YEAR), 0x30);
	CHECK_EQ(cmos_rd(&rtc, t0 + 21 * SEC, RTC_DAY_OF_WEEK), 0x05);   /* 2030-02-28 is a Thursday */

	/* Without SET a field write moves the clock and keeps its phase. */
	setup(&rtc, T2023, t0);
	cmos_wr(&rtc, t0 + SEC / 2, RTC_MINUTES, 0x14);
	CHECK_EQ(cmos_rd(&rtc, t0 + SEC / 2, RTC_MINUTES), 0x14);
	CHECK_EQ(cmos_rd(&rtc, t0 + SEC - 1, RTC_SECONDS), 0x20);
	CHECK_EQ(cmos_rd(&rtc, t0 + SEC, RTC_SECONDS), 0x21);
	/* In binary 12-hour form: 3 PM. */
	cmos_wr(&rtc, t0 + SEC, RTC_REG_B, RTC_B_DM);
	cmos_wr(&rtc, t0 + SEC, RTC_HOURS, 0x83);
	cmos_wr(&rtc, t0 + SEC, RTC_REG_B, RTC_B_DM | RTC_B_24H);
	CHECK_EQ(cmos_rd(&rtc, t0 + SEC, RTC_HOURS), 15);
	/* Garbage is clamped, never trusted. */
	cmos_wr(&rtc, t0 + SEC, RTC_MONTH, 0xFF);
	CHECK_EQ(cmos_rd(&rtc, t0 + SEC, RTC_MONTH), 12);
	cmos_wr(&rtc, t0 + SEC, RTC_CENTURY, 0);
	CHECK_EQ(cmos_rd(&rtc, t0 + SEC, RTC_CENTURY), 1);
	dow = cmos_rd(&rtc, t0 + SEC, RTC_DAY_OF_WEEK);
	cmos_wr(&rtc, t0 + SEC, RTC_DAY_OF_WEEK, dow % 7 + 1);   /* derived from the date: ignored */
	CHECK_EQ(cmos_rd(&rtc, t0 + SEC, RTC_DAY_OF_WEEK), dow);
}

static void test_cmos_ram_and_memory(void)
{
	struct rtc rtc;

	setup(&rtc, T2023, 0);
	cmos_wr(&rtc, 0, 0x40, 0xAB);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x40), 0xAB);
	CHECK_EQ(cmos_rd(&rtc, 0, 0xC0), 0xAB);   /* bit 7 of the index is the NMI mask */
	cmos_wr(&rtc, 0, 0x7F, 0x11);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x7F), 0x11);
	cmos_wr(&rtc, 0, RTC_REG_D, 0);
	CHECK_EQ(cmos_rd(&rtc, 0, RTC_REG_D), RTC_D_VRT);
	cmos_wr(&rtc, 0, RTC_REG_C, 0xFF);
	CHECK_EQ(cmos_rd(&rtc, 0, RTC_REG_C), 0);

	rtc_set_memory_size(&rtc, 128ull << 20, 0);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x15), 0x80);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x16), 0x02);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x17), 0xFF);   /* 127 MiB in KiB: capped at 0xFFFF */
	CHECK_EQ(cmos_rd(&rtc, 0, 0x18), 0xFF);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x30), 0xFF);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x31), 0xFF);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x34), 0x00);   /* 112 MiB in 64 KiB: 0x700 */
	CHECK_EQ(cmos_rd(&rtc, 0, 0x35), 0x07);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x5B), 0);
	rtc_set_memory_size(&rtc, 8ull << 20, 1ull << 30);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x17), 0x00);   /* 7 MiB: 0x1C00 KiB */
	CHECK_EQ(cmos_rd(&rtc, 0, 0x18), 0x1C);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x34), 0);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x35), 0);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x5B), 0x00);   /* 1 GiB: 0x4000 blocks */
	CHECK_EQ(cmos_rd(&rtc, 0, 0x5C), 0x40);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x5D), 0x00);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x2E) << 8 | cmos_rd(&rtc, 0, 0x2F), 0x80 + 0x02 + 0x00 + 0x1C);
	rtc_set_memory_size(&rtc, 0, ~0ull);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x5D), 0xFF);
}

static void test_hostile(void)
{
	struct rtc rtc;

	setup(&rtc, 0, 0);
	rtc_init(&rtc, (struct dev_irq_line){ irq_set, NULL, RTC_IRQ }, ~0ull, ~0ull);   /* 2554, at the end of time */
	CHECK_EQ(cmos_rd(&rtc, ~0ull, RTC_CENTURY), 0x25);
	CHECK_EQ(rtc_next_deadline(&rtc), UINT64_MAX);
	setup(&rtc, 0, 0);
	CHECK_EQ(rtc_read(&rtc, 0, 0, 1), 0xFF);
	CHECK_EQ(rtc_read(&rtc, 0, 2, 4), 0xFFFFFFFFu);
	CHECK_EQ(rtc_read(&rtc, 0, 0xFFFFFFFFu, 2), 0xFFFF);
	rtc_write(&rtc, 0, 0xFFFFFFFFu, 8, ~0ull);
	rtc_write(&rtc, 0, 5, 1, 0);
	/* A 2-byte write: index then data. */
	rtc_write(&rtc, 0, 0, 2, 0x5550);
	CHECK_EQ(cmos_rd(&rtc, 0, 0x50), 0x55);
	rtc_write(&rtc, 0, 0, 1, 0x50);
	CHECK_EQ(rtc_read(&rtc, 0, 0, 2), 0x55FF);
	/* Every register written with every value, time running: nothing breaks, the clock stays sane. */
	for (unsigned i = 0; i < 128; i++)
		for (unsigned v = 0; v < 256; v += 17)
			cmos_wr(&rtc, i * SEC + v, (uint8_t)i, (uint8_t)v);
	cmos_wr(&rtc, 200 * SEC, RTC_REG_B, RTC_B_24H | RTC_B_DM);
	CHECK(cmos_rd(&rtc, 200 * SEC, RTC_SECONDS) < 60);
	CHECK(cmos_rd(&rtc, 200 * SEC, RTC_MONTH) >= 1 && cmos_rd(&rtc, 200 * SEC, RTC_MONTH) <= 12);
	CHECK(rtc_next_deadline(&rtc) == UINT64_MAX || rtc_next_deadline(&rtc) > 200 * SEC);
}

int main(void)
{
	test_calendar();
	test_phase();
	test_uip();
	test_periodic();
	test_update_and_alarm();
	test_set_and_offsets();
	test_cmos_ram_and_memory();
	test_hostile();
	return check_summary();
}
