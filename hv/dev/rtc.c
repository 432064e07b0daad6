/* The CMOS RTC: calendar arithmetic, register formats, SET and time writes as offsets, and the periodic,
 * update-ended and alarm events computed from now_ns. */
#include "rtc.h"

#include <string.h>

#define SECS_PER_DAY 86400
#define DIVIDER_HZ   32768u
#define UIP_NS       244000u        /* UIP rises this long before each update */
#define MAX_UNIX     253402300799ll /* 9999-12-31 23:59:59 */

/* Internally, times (t, ref_ns, checked_ns) are guest now_ns plus one second, so that the host's last second
 * boundary, which may precede guest time 0, can be the clock's phase reference. */
static uint64_t timeline(uint64_t now_ns)
{
	return dev_add_sat(now_ns, DEV_NS_PER_SEC);
}

/* A broken-down time. */
struct tm_rtc {
	int64_t year;
	unsigned mon, mday, hour, min, sec, wday;   /* wday 0 = Sunday */
};

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (year >= 1), counting years from March so that the leap
 * day ends each 400-year cycle. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static struct tm_rtc civil_from_secs(int64_t t)
{
	int64_t days = floor_div(t, SECS_PER_DAY), sod = t - days * SECS_PER_DAY;
	int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	struct tm_rtc tm;

	tm.mday = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	tm.mon = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	tm.year = yoe + era * 400 + (tm.mon <= 2);
	tm.hour = (unsigned)(sod / 3600);
	tm.min = (unsigned)(sod / 60 % 60);
	tm.sec = (unsigned)(sod % 60);
	tm.wday = (unsigned)((days % 7 + 11) % 7);   /* 1970-01-01 was a Thursday */
	return tm;
}

static int64_t secs_from_civil(const struct tm_rtc *tm)
{
	return days_from_civil(tm->year, tm->mon, tm->mday) * SECS_PER_DAY + tm->hour * 3600 + tm->min * 60 +
	       tm->sec;
}

static bool binary(const struct rtc *rtc)
{
	return rtc->cmos[RTC_REG_B] & RTC_B_DM;
}

static uint8_t encode(const struct rtc *rtc, unsigned v)
{
	return (uint8_t)(binary(rtc) ? v : (v / 10) << 4 | v % 10);
}

static unsigned decode(const struct rtc *rtc, uint8_t v)
{
	return binary(rtc) ? v : (v >> 4) * 10u + (v & 15);
}

static uint8_t encode_hour(const struct rtc *rtc, unsigned h)
{
	if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
		return encode(rtc, h);
	return (uint8_t)(encode(rtc, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

static unsigned decode_hour(const struct rtc *rtc, uint8_t v)
{
	if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
		return decode(rtc, v);
	return decode(rtc, v & 0x7F) % 12 + ((v & 0x80) ? 12 : 0);
}

static int64_t clock_secs(const struct rtc *rtc, uint64_t t)
{
	if ((rtc->cmos[RTC_REG_B] & RTC_B_SET) || t <= rtc->ref_ns)
		return rtc->base_sec;
	return rtc->base_sec + (int64_t)((t - rtc->ref_ns) / DEV_NS_PER_SEC);
}

/* Periodic interrupt period in 32.768 kHz ticks, 0 when rate select is 0. Rates 1 and 2 are 8 and 9's. */
static uint64_t periodic_ticks(const struct rtc *rtc)
{
	unsigned rs = rtc->cmos[RTC_REG_A] & 0x0F;

	if (!rs)
		return 0;
	return 1ull << ((rs < 3 ? rs + 7 : rs) - 1);
}

static uint64_t periodic_index(const struct rtc *rtc, uint64_t t, uint64_t ticks)
{
	return t > rtc->ref_ns ? dev_ns_to_ticks(t - rtc->ref_ns, DIVIDER_HZ) / ticks : 0;
}

static uint64_t seconds_index(const struct rtc *rtc, uint64_t t)
{
	return t > rtc->ref_ns ? (t - rtc->ref_ns) / DEV_NS_PER_SEC : 0;
}

/* The first time of day in [from, 86400) matching the alarm's wanted hour, minute and second (-1 = any), or
 * -1. */
static int64_t alarm_in_day(const int want[3], int64_t from)
{
	for (int64_t h = from / 3600; h < 24; h++) {
		if (want[0] >= 0 && h != want[0])
			continue;
		for (int64_t m = h == from / 3600 ? from / 60 % 60 : 0; m < 60; m++) {
			int64_t s = (h == from / 3600 && m == from / 60 % 60) ? from % 60 : 0;

			if (want[1] >= 0 && m != want[1])
				continue;
			if (want[2] < 0)
				return h * 3600 + m * 60 + s;
			if (want[2] >= s)
				return h * 3600 + m * 60 + want[2];
		}
	}
	return -1;
}

/* The first second after `after` at which the alarm matches, or INT64_MAX (an impossible alarm value). An alarm
 * byte with bits 7-6 set is "don't care". */
static int64_t alarm_next(const struct rtc *rtc, int64_t after)
{
	static const uint8_t reg[3] = { RTC_HOURS_ALARM, RTC_MINUTES_ALARM, RTC_SECONDS_ALARM };
	static const int limit[3] = { 24, 60, 60 };
	int want[3];
	int64_t day = floor_div(after, SECS_PER_DAY), sod = after - day * SECS_PER_DAY, r;

	for (int i = 0; i < 3; i++) {
		uint8_t v = rtc->cmos[reg[i]];

		if ((v & 0xC0) == 0xC0) {
			want[i] = -1;
			continue;
		}
		want[i] = (int)(i == 0 ? decode_hour(rtc, v) : decode(rtc, v));
		if (want[i] >= limit[i])
			return INT64_MAX;
	}
	if (sod + 1 < SECS_PER_DAY && (r = alarm_in_day(want, sod + 1)) >= 0)
		return day * SECS_PER_DAY + r;
	return (day + 1) * SECS_PER_DAY + alarm_in_day(want, 0);
}

static void update_irq(struct rtc *rtc)
{
	bool level = rtc->flags & rtc->cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF);

	if (level != rtc->irq_level) {
		rtc->irq_level = level;
		dev_irq_set(&rtc->irq, level);
	}
}

/* Sets the flags of the events in (checked_ns, t]. Updates (and so alarms) stop while SET is on. */
static void sync(struct rtc *rtc, uint64_t t)
{
	uint64_t ticks = periodic_ticks(rtc), s0, s1;
	int64_t at;

	if (t <= rtc->checked_ns)
		return;
	if (ticks && periodic_index(rtc, t, ticks) > periodic_index(rtc, rtc->checked_ns, ticks))
		rtc->flags |= RTC_C_PF;
	s0 = seconds_index(rtc, rtc->checked_ns);
	s1 = seconds_index(rtc, t);
	if (!(rtc->cmos[RTC_REG_B] & RTC_B_SET) && s1 > s0) {
		rtc->flags |= RTC_C_UF;
		at = alarm_next(rtc, rtc->base_sec + (int64_t)s0);
		if (at <= rtc->base_sec + (int64_t)s1)
			rtc->flags |= RTC_C_AF;
	}
	rtc->checked_ns = t;
	update_irq(rtc);
}

void rtc_init(struct rtc *rtc, struct dev_irq_line irq, uint64_t unix_ns, uint64_t now_ns)
{
	uint64_t t = timeline(now_ns);

	memset(rtc, 0, sizeof(*rtc));
	rtc->irq = irq;
	rtc->cmos[RTC_REG_A] = 0x26;
	rtc->cmos[RTC_REG_B] = RTC_B_24H;
	rtc->base_sec = (int64_t)(unix_ns / DEV_NS_PER_SEC);
	rtc->ref_ns = t - unix_ns % DEV_NS_PER_SEC;   /* updates in phase with the host's seconds */
	rtc->checked_ns = t;
}

static uint8_t read_reg(struct rtc *rtc, uint64_t t, uint8_t index)
{
	struct tm_rtc tm = civil_from_secs(clock_secs(rtc, t));
	uint8_t v;

	switch (index) {
	case RTC_SECONDS:      return encode(rtc, tm.sec);
	case RTC_MINUTES:      return encode(rtc, tm.min);
	case RTC_HOURS:        return encode_hour(rtc, tm.hour);
	case RTC_DAY_OF_WEEK:  return encode(rtc, tm.wday + 1);
	case RTC_DAY_OF_MONTH: return encode(rtc, tm.mday);
	case RTC_MONTH:        return encode(rtc, tm.mon);
	case RTC_YEAR:         return encode(rtc, (unsigned)(tm.year % 100));
	case RTC_CENTURY:      return encode(rtc, (unsigned)(tm.year / 100));
	case RTC_REG_A:
		v = rtc->cmos[RTC_REG_A];
		if (!(rtc->cmos[RTC_REG_B] & RTC_B_SET) && t >= rtc->ref_ns &&
		    (t - rtc->ref_ns) % DEV_NS_PER_SEC >= DEV_NS_PER_SEC - UIP_NS)
			v |= RTC_A_UIP;
		return v;
	case RTC_REG_C:
		sync(rtc, t);
		v = rtc->flags;
		if (v & rtc->cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF))
			v |= RTC_C_IRQF;
		rtc->flags = 0;
		update_irq(rtc);
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return rtc->cmos[index];
	}
}

/* A write to a time field: the guest's clock moves by the difference (keeping its phase within the second).
 * Values are clamped into range; the day of the week follows from the date and is not writable. */
static void write_time(struct rtc *rtc, uint64_t t, uint8_t index, uint8_t value)
{
	int64_t before = clock_secs(rtc, t), after;
	struct tm_rtc tm = civil_from_secs(before);
	unsigned v = index == RTC_HOURS ? decode_hour(rtc, value) : decode(rtc, value);

	switch (index) {
	case RTC_SECONDS:      tm.sec = v < 60 ? v : 59; break;
	case RTC_MINUTES:      tm.min = v < 60 ? v : 59; break;
	case RTC_HOURS:        tm.hour = v < 24 ? v : 23; break;
	case RTC_DAY_OF_MONTH: tm.mday = v < 1 ? 1 : v > 31 ? 31 : v; break;
	case RTC_MONTH:        tm.mon = v < 1 ? 1 : v > 12 ? 12 : v; break;
	case RTC_YEAR:         tm.year = tm.year / 100 * 100 + (v < 100 ? v : 99); break;
	default:               tm.year = (v < 1 ? 1 : v > 99 ? 99 : v) * 100 + tm.year % 100; break;
	}
	after = secs_from_civil(&tm);
	if (after > MAX_UNIX)
		after = MAX_UNIX;
	rtc->base_sec += after - before;
}

static void write_reg_b(struct rtc *rtc, uint64_t t, uint8_t value)
{
	uint8_t old = rtc->cmos[RTC_REG_B];

	if (value & RTC_B_SET) {
		value &= (uint8_t)~RTC_B_UIE;   /* SET clears UIE */
		if (!(old & RTC_B_SET))
			rtc->base_sec = clock_secs(rtc, t);   /* freeze */
	} else if (old & RTC_B_SET) {
		rtc->ref_ns = t;   /* restart: the first update comes a second after SET is cleared */
	}
	rtc->cmos[RTC_REG_B] = value;
	update_irq(rtc);
}

static void write_reg(struct rtc *rtc, uint64_t t, uint8_t index, uint8_t value)
{
	sync(rtc, t);
	switch (index) {
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_DAY_OF_MONTH:
	case RTC_MONTH:
	case RTC_YEAR:
	case RTC_CENTURY:
		write_time(rtc, t, index, value);
		break;
	case RTC_DAY_OF_WEEK:
	case RTC_REG_C:
	case RTC_REG_D:
		break;
	case RTC_REG_A:
		rtc->cmos[RTC_REG_A] = value & 0x7F;
		break;
	case RTC_REG_B:
		write_reg_b(rtc, t, value);
		break;
	default:
		rtc->cmos[index] = value;
		break;
	}
}

uint64_t rtc_read(struct rtc *rtc, uint64_t now_ns, unsigned offset, unsigned size)
{
	uint64_t v = 0, t = timeline(now_ns);

	if (size > 8)
		size = 8;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = 0xFF;

		if (offset + i == 1 && offset <= 1)
			b = read_reg(rtc, t, rtc->index);
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

void rtc_write(struct rtc *rtc, uint64_t now_ns, unsigned offset, unsigned size, uint64_t value)
{
	uint64_t t = timeline(now_ns);

	if (size > 8)
		size = 8;
	for (unsigned i = 0; i < size && offset < RTC_PORTS && i < RTC_PORTS - offset; i++) {
		uint8_t b = (uint8_t)(value >> (8 * i));

		if (offset + i == 0)
			rtc->index = b & 0x7F;
		else
			write_reg(rtc, t, rtc->index, b);
	}
}

uint64_t rtc_next_deadline(const struct rtc *rtc)
{
	uint64_t ticks = periodic_ticks(rtc), best = UINT64_MAX, s0, boundary;
	uint8_t b = rtc->cmos[RTC_REG_B];
	int64_t at;

	if (rtc->irq_level)
		return UINT64_MAX;
	if ((b & RTC_B_PIE) && ticks) {
		uint64_t k = periodic_index(rtc, rtc->checked_ns, ticks) + 1;

		best = dev_add_sat(rtc->ref_ns, dev_ticks_to_ns(k * ticks, DIVIDER_HZ));
	}
	if (b & RTC_B_SET)   /* no updates, no alarms */
		return best == UINT64_MAX ? UINT64_MAX : best - DEV_NS_PER_SEC;
	s0 = seconds_index(rtc, rtc->checked_ns);
	boundary = rtc->ref_ns + s0 * DEV_NS_PER_SEC;   /* the last update, at or before checked_ns */
	if ((b & RTC_B_UIE) && dev_add_sat(boundary, DEV_NS_PER_SEC) < best)
		best = dev_add_sat(boundary, DEV_NS_PER_SEC);
	if (b & RTC_B_AIE) {
		at = alarm_next(rtc, rtc->base_sec + (int64_t)s0);
		if (at != INT64_MAX) {
			uint64_t t = dev_add_sat(boundary, (uint64_t)(at - rtc->base_sec - (int64_t)s0) * DEV_NS_PER_SEC);

			if (t < best)
				best = t;
		}
	}
	return best == UINT64_MAX ? UINT64_MAX : best - DEV_NS_PER_SEC;
}

void rtc_advance(struct rtc *rtc, uint64_t now_ns)
{
	sync(rtc, timeline(now_ns));
}

void rtc_set_memory_size(struct rtc *rtc, uint64_t ram_below_4g, uint64_t ram_above_4g)
{
	uint64_t ext_kb = ram_below_4g > (1u << 20) ? (ram_below_4g - (1u << 20)) >> 10 : 0;
	uint64_t above16 = ram_below_4g > (16u << 20) ? (ram_below_4g - (16u << 20)) >> 16 : 0;
	uint64_t high = ram_above_4g >> 16;
	uint16_t sum = 0;

	if (ext_kb > 0xFFFF)
		ext_kb = 0xFFFF;
	if (above16 > 0xFFFF)
		above16 = 0xFFFF;
	if (high > 0xFFFFFF)
		high = 0xFFFFFF;
	rtc->cmos[0x15] = 0x80;   /* 640 KiB */
	rtc->cmos[0x16] = 0x02;
	rtc->cmos[0x17] = rtc->cmos[0x30] = (uint8_t)ext_kb;
	rtc->cmos[0x18] = rtc->cmos[0x31] = (uint8_t)(ext_kb >> 8);
	rtc->cmos[0x34] = (uint8_t)above16;
	rtc->cmos[0x35] = (uint8_t)(above16 >> 8);
	rtc->cmos[0x5B] = (uint8_t)high;
	rtc->cmos[0x5C] = (uint8_t)(high >> 8);
	rtc->cmos[0x5D] = (uint8_t)(high >> 16);
	for (unsigned i = 0x10; i <= 0x2D; i++)
		sum = (uint16_t)(sum + rtc->cmos[i]);
	rtc->cmos[0x2E] = (uint8_t)(sum >> 8);
	rtc->cmos[0x2F] = (uint8_t)sum;
}
