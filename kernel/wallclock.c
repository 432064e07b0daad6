/* The host's CMOS clock (MC146818 registers: seconds 0x00, minutes 0x02, hours 0x04, day 0x07, month 0x08,
 * year 0x09, century 0x32 where present, status A 0x0A with UIP, status B 0x0B with the 24-hour and binary
 * bits). Read twice until two reads agree, so an update in between cannot tear it. */
#include <stdbool.h>
#include "kernel/arch.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "kernel/wallclock.h"

static uint64_t boot_unix, read_tsc; /* the CMOS time and the TSC when it was read */

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

struct rtc_time {
	uint8_t sec, min, hour, day, month, year, century;
};

static void read_raw(struct rtc_time *t)
{
	for (int i = 0; i < 100000 && (cmos(0x0a) & 0x80); i++)
		cpu_relax();
	t->sec = cmos(0x00);
	t->min = cmos(0x02);
	t->hour = cmos(0x04);
	t->day = cmos(0x07);
	t->month = cmos(0x08);
	t->year = cmos(0x09);
	t->century = cmos(0x32);
}

static bool same(const struct rtc_time *a, const struct rtc_time *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour && a->day == b->day &&
	       a->month == b->month && a->year == b->year && a->century == b->century;
}

static unsigned bcd(uint8_t v) { return (v & 0x0f) + (v >> 4) * 10; }

int64_t wallclock_days_from_civil(int64_t year, unsigned month, unsigned day)
{
	/* Counts from 1 March so the leap day ends the year; eras are 400-year cycles of 146097 days. */
	year -= month <= 2;
	int64_t era = (year >= 0 ? year : year - 399) / 400;
	int64_t yoe = year - era * 400;
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void wallclock_init(void)
{
	struct rtc_time a, b;
	read_raw(&a);
	for (int tries = 0; tries < 5; tries++) {
		read_raw(&b);
		if (same(&a, &b))
			break;
		a = b;
	}
	uint8_t status_b = cmos(0x0b);
	bool binary = status_b & 0x04, h24 = status_b & 0x02;
	bool pm = !h24 && (a.hour & 0x80);
	unsigned hour = binary ? (a.hour & 0x7f) : bcd(a.hour & 0x7f);
	unsigned sec = binary ? a.sec : bcd(a.sec), min = binary ? a.min : bcd(a.min);
	unsigned day = binary ? a.day : bcd(a.day), month = binary ? a.month : bcd(a.month);
	unsigned year = binary ? a.year : bcd(a.year);
	unsigned century = a.century ? (binary ? a.century : bcd(a.century)) : 20;
	if (!h24)
		hour = hour % 12 + (pm ? 12 : 0);
	if (century < 19 || century > 30)
		century = 20;
	if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
		log_printf("time: the CMOS clock holds no valid date; the wall clock starts at 1970-01-01\n");
		return;
	}
	int64_t days = wallclock_days_from_civil((int64_t)century * 100 + year, month, day);
	boot_unix = (uint64_t)(days * 86400 + hour * 3600 + min * 60 + sec);
	read_tsc = rdtsc();
}

uint64_t wallclock_unix_ns(void)
{
	return boot_unix * 1000000000ull + time_tsc_to_ns(rdtsc() - read_tsc);
}

uint64_t wallclock_unix_seconds(void) { return wallclock_unix_ns() / 1000000000ull; }
