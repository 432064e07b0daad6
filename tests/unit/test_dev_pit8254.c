/* Unit tests for hv/dev/pit8254.c: IRQ 0 timing in modes 2, 3 and 0 (deadlines to the nanosecond), counter
 * reads with latch and read-back, LSB/MSB access modes, channel 2 through port 0x61 the way Linux calibrates the
 * TSC, gate behaviour, and hostile offsets and sizes. */
#include "../../hv/dev/pit8254.h"

#include <stdbool.h>
#include <stdint.h>

#include "check.h"

static unsigned pulses;
static bool level;

static void irq_set(void *ctx, unsigned line, bool l)
{
	(void)ctx;
	CHECK_EQ(line, PIT8254_IRQ);
	if (l && !level)
		pulses++;
	level = l;
}

static void setup(struct pit8254 *pit)
{
	pulses = 0;
	level = false;
	pit8254_init(pit, (struct dev_irq_line){ irq_set, NULL, PIT8254_IRQ });
}

static void wr(struct pit8254 *pit, uint64_t now, unsigned off, uint8_t v)
{
	pit8254_write(pit, now, off, 1, v);
}

static uint8_t rd(struct pit8254 *pit, uint64_t now, unsigned off)
{
	return (uint8_t)pit8254_read(pit, now, off, 1);
}

static uint16_t latch_read(struct pit8254 *pit, uint64_t now, unsigned ch)
{
	uint16_t lo, hi;

	wr(pit, now, 3, (uint8_t)(ch << 6));   /* counter latch */
	lo = rd(pit, now + 100000, ch);         /* the latch holds while time passes */
	hi = rd(pit, now + 200000, ch);
	return (uint16_t)(lo | hi << 8);
}

static void test_conversions(void)
{
	/* 1193 ticks = 999847.46 ns, rounded up so that the tick has elapsed at the deadline. */
	CHECK_EQ(dev_ticks_to_ns(1193, PIT8254_HZ), 999848);
	CHECK_EQ(dev_ns_to_ticks(999848, PIT8254_HZ), 1193);
	CHECK_EQ(dev_ns_to_ticks(999847, PIT8254_HZ), 1192);
	CHECK_EQ(dev_ns_to_ticks(1000000000, PIT8254_HZ), PIT8254_HZ);
	CHECK_EQ(dev_ns_to_ticks(3600ull * 1000000000ull + 1, PIT8254_HZ), 3600ull * PIT8254_HZ);
	CHECK_EQ(dev_ticks_to_ns(0, PIT8254_HZ), 0);
	CHECK_EQ(dev_ticks_to_ns(UINT64_MAX, 1), UINT64_MAX);
}

static void test_mode2_irq(void)
{
	struct pit8254 pit;
	const uint64_t t0 = 1000;

	setup(&pit);
	CHECK_EQ(pit8254_next_deadline(&pit), UINT64_MAX);
	wr(&pit, t0, 3, 0x34);   /* channel 0, LSB then MSB, mode 2 */
	wr(&pit, t0, 0, 0xA9);
	CHECK_EQ(pit8254_next_deadline(&pit), UINT64_MAX);   /* half a count loads nothing */
	wr(&pit, t0, 0, 0x04);   /* 1193: about 1 kHz */
	CHECK_EQ(pit8254_next_deadline(&pit), t0 + 999848);
	pit8254_advance(&pit, t0 + 999847);
	CHECK_EQ(pulses, 0);
	pit8254_advance(&pit, t0 + 999848);
	CHECK_EQ(pulses, 1);
	CHECK(!level);   /* an edge: raised then lowered */
	CHECK_EQ(pit8254_next_deadline(&pit), t0 + 1999695);   /* 2386 ticks */
	pit8254_advance(&pit, t0 + 1999694);
	CHECK_EQ(pulses, 1);
	pit8254_advance(&pit, t0 + 1999695);
	CHECK_EQ(pulses, 2);

	/* Late by many periods: one pulse, and the next deadline is the next period boundary after now. */
	pit8254_advance(&pit, t0 + 10500000);
	CHECK_EQ(pulses, 3);
	CHECK_EQ(pit8254_next_deadline(&pit), t0 + dev_ticks_to_ns(11 * 1193, PIT8254_HZ));
	pit8254_advance(&pit, t0 + 10500001);
	CHECK_EQ(pulses, 3);

	/* The count: 500 us in, 596 ticks have passed. */
	wr(&pit, 0, 3, 0x34);
	wr(&pit, t0, 0, 0xA9);
	wr(&pit, t0, 0, 0x04);
	CHECK_EQ(latch_read(&pit, t0 + 500000, 0), 1193 - 596);
	/* Mode 2 reloads: after a full period plus 596 ticks the count is the same again. */
	CHECK_EQ(latch_read(&pit, t0 + 500000 + 999848, 0), 1193 - 596);
	/* Live reads without latch alternate LSB and MSB. */
	CHECK_EQ(rd(&pit, t0 + 500000, 0), (1193 - 596) & 0xFF);
	CHECK_EQ(rd(&pit, t0 + 500000, 0), (1193 - 596) >> 8);
}

static void test_mode3_and_readback(void)
{
	struct pit8254 pit;
	uint8_t status;
	unsigned lo, hi;

	setup(&pit);
	wr(&pit, 0, 3, 0x36);   /* channel 0, LSB/MSB, mode 3 */
	wr(&pit, 0, 0, 0x00);
	wr(&pit, 0, 0, 0x00);   /* 65536: 18.2 Hz */
	CHECK_EQ(pit8254_next_deadline(&pit), dev_ticks_to_ns(65536, PIT8254_HZ));
	CHECK_EQ(pit8254_next_deadline(&pit), 54925402);

	/* Read-back of status and count for channel 0: OUT high in the first half period. */
	wr(&pit, 1000000, 3, 0xC2);
	status = rd(&pit, 2000000, 0);
	CHECK_EQ(status, 0x80 | 0x30 | 0x06);
	lo = rd(&pit, 2000000, 0);
	hi = rd(&pit, 2000000, 0);
	CHECK_EQ(lo | hi << 8, (65536 - 2 * dev_ns_to_ticks(1000000, PIT8254_HZ)) & 0xFFFE);
	/* In the second half OUT is low. */
	wr(&pit, 30000000, 3, 0xE2);   /* status only */
	CHECK_EQ(rd(&pit, 30000000, 0) & 0x80, 0);
	pit8254_advance(&pit, 54925402);
	CHECK_EQ(pulses, 1);
	CHECK_EQ(pit8254_next_deadline(&pit), dev_ticks_to_ns(2 * 65536, PIT8254_HZ));

	/* Read-back of a freshly programmed channel reports null count. */
	wr(&pit, 0, 3, 0x70);   /* channel 1, mode 0 */
	wr(&pit, 0, 3, 0xE4);
	CHECK_EQ(rd(&pit, 0, 1), 0x40 | 0x30);
}

static void test_mode0_oneshot(void)
{
	struct pit8254 pit;

	setup(&pit);
	wr(&pit, 0, 3, 0x30);   /* channel 0, mode 0 */
	wr(&pit, 0, 0, 100);
	wr(&pit, 0, 0, 0);
	CHECK_EQ(pit8254_next_deadline(&pit), dev_ticks_to_ns(100, PIT8254_HZ));
	pit8254_advance(&pit, dev_ticks_to_ns(100, PIT8254_HZ));
	CHECK_EQ(pulses, 1);
	CHECK_EQ(pit8254_next_deadline(&pit), UINT64_MAX);
	pit8254_advance(&pit, 1000000000);
	CHECK_EQ(pulses, 1);
	/* After the terminal count the counter wraps and keeps counting down. */
	CHECK_EQ(latch_read(&pit, dev_ticks_to_ns(110, PIT8254_HZ), 0), 0xFFFF - 9);
}

static void test_access_modes(void)
{
	struct pit8254 pit;

	setup(&pit);
	wr(&pit, 0, 3, 0x54);   /* channel 1, LSB only, mode 2 */
	wr(&pit, 0, 1, 18);
	CHECK_EQ(rd(&pit, 0, 1), 18);
	CHECK_EQ(rd(&pit, 0, 1), 18);   /* LSB only: no toggling */
	wr(&pit, 0, 3, 0x64);   /* channel 1, MSB only, mode 2 */
	wr(&pit, 0, 1, 0x12);
	CHECK_EQ(rd(&pit, 0, 1), 0x12);
	CHECK_EQ(pit.ch[1].reload, 0x1200);
	/* BCD requested: counts in binary all the same. */
	wr(&pit, 0, 3, 0x35);
	wr(&pit, 0, 0, 0x10);
	wr(&pit, 0, 0, 0x00);
	CHECK_EQ(pit8254_next_deadline(&pit), dev_ticks_to_ns(16, PIT8254_HZ));
	/* Modes 6 and 7 are 2 and 3. */
	wr(&pit, 0, 3, 0x3C);
	CHECK_EQ(pit.ch[0].mode, 2);
}

static void test_channel2_calibration(void)
{
	struct pit8254 pit;
	const uint64_t t0 = 5000000;
	uint64_t done = t0 + dev_ticks_to_ns(0xFFFF, PIT8254_HZ);

	setup(&pit);
	/* Linux's pit_calibrate_tsc: gate on, speaker off, channel 2 mode 0 with a count, poll OUT2 in 0x61. */
	pit8254_write_port61(&pit, t0, (uint8_t)((pit8254_read_port61(&pit, t0) & ~0x02) | 0x01));
	wr(&pit, t0, 3, 0xB0);
	wr(&pit, t0, 2, 0xFF);
	wr(&pit, t0, 2, 0xFF);
	CHECK_EQ(pit8254_read_port61(&pit, t0) & PIT8254_PORT61_OUT2, 0);
	CHECK_EQ(pit8254_read_port61(&pit, done - 1) & PIT8254_PORT61_OUT2, 0);
	CHECK_EQ(pit8254_read_port61(&pit, done) & PIT8254_PORT61_OUT2, PIT8254_PORT61_OUT2);
	CHECK_EQ(pit8254_read_port61(&pit, done) & 0x0F, 0x01);
	CHECK_EQ(pit8254_next_deadline(&pit), UINT64_MAX);   /* channel 2 raises no IRQ */
	/* The MSB polled by quick_pit_calibrate falls steadily: 256 ticks per step. */
	CHECK_EQ(latch_read(&pit, t0 + dev_ticks_to_ns(256, PIT8254_HZ), 2), 0xFFFF - 256);

	/* Gate low pauses mode 0; high resumes where it stopped. */
	wr(&pit, 0, 3, 0xB0);
	wr(&pit, 0, 2, 0xE8);
	wr(&pit, 0, 2, 0x03);   /* 1000 */
	pit8254_write_port61(&pit, dev_ticks_to_ns(400, PIT8254_HZ), 0x00);
	CHECK_EQ(latch_read(&pit, 1000000000, 2), 600);
	pit8254_write_port61(&pit, 1000000000, 0x01);
	CHECK_EQ(latch_read(&pit, 1000000000 + dev_ticks_to_ns(100, PIT8254_HZ), 2), 500);

	/* Mode 1 on channel 2 starts at the gate's rising edge. */
	pit8254_write_port61(&pit, 0, 0x00);
	wr(&pit, 0, 3, 0xB2);
	wr(&pit, 0, 2, 10);
	wr(&pit, 0, 2, 0);
	CHECK(pit8254_read_port61(&pit, 1000000) & PIT8254_PORT61_OUT2);
	pit8254_write_port61(&pit, 1000000, 0x01);
	CHECK_EQ(pit8254_read_port61(&pit, 1000000) & PIT8254_PORT61_OUT2, 0);
	CHECK(pit8254_read_port61(&pit, 1000000 + dev_ticks_to_ns(10, PIT8254_HZ)) & PIT8254_PORT61_OUT2);

	/* The refresh bit toggles every 15.085 us. */
	CHECK((pit8254_read_port61(&pit, 0) ^ pit8254_read_port61(&pit, 15085)) & PIT8254_PORT61_REFRESH);
}

static void test_hostile(void)
{
	struct pit8254 pit;

	setup(&pit);
	CHECK_EQ(pit8254_read(&pit, 0, 3, 1), 0xFF);
	CHECK_EQ(pit8254_read(&pit, 0, 4, 2), 0xFFFF);
	CHECK_EQ(pit8254_read(&pit, 0, 0xFFFFFFFFu, 8), UINT64_MAX);
	pit8254_write(&pit, 0, 0xFFFFFFFFu, 8, ~0ull);
	pit8254_write(&pit, 0, 4, 4, ~0ull);
	CHECK_EQ(pit8254_next_deadline(&pit), UINT64_MAX);
	/* A 4-byte write at 0: three counters, then the control word. */
	pit8254_write(&pit, 0, 0, 4, 0x34000000);
	CHECK_EQ(pit.ch[0].mode, 2);
	/* A one-tick mode 2 period still moves forward. */
	wr(&pit, 0, 0, 1);
	wr(&pit, 0, 0, 0);
	pit8254_advance(&pit, 1000000);
	CHECK(pit8254_next_deadline(&pit) > 1000000);
	CHECK_EQ(pulses, 1);
}

int main(void)
{
	test_conversions();
	test_mode2_irq();
	test_mode3_and_readback();
	test_mode0_oneshot();
	test_access_modes();
	test_channel2_calibration();
	test_hostile();
	return check_summary();
}
