/* The MC146818-style CMOS RTC at ports 0x70/0x71 (IRQ 8): 128 bytes of CMOS, the clock computed from a Unix
 * time given at init plus elapsed now_ns (a guest setting the clock moves its own offset, never the host's),
 * BCD or binary and 12- or 24-hour formats, periodic, alarm and update-ended interrupts. */
#ifndef KEEL_HV_DEV_RTC_H
#define KEEL_HV_DEV_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "dev.h"

#define RTC_PORT  0x70   /* +0 index (bit 7 = NMI mask, ignored), +1 data */
#define RTC_PORTS 2
#define RTC_IRQ   8

/* CMOS registers. */
#define RTC_SECONDS       0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES       0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS         0x04
#define RTC_HOURS_ALARM   0x05
#define RTC_DAY_OF_WEEK   0x06   /* 1 = Sunday */
#define RTC_DAY_OF_MONTH  0x07
#define RTC_MONTH         0x08
#define RTC_YEAR          0x09
#define RTC_REG_A         0x0A
#define RTC_REG_B         0x0B
#define RTC_REG_C         0x0C
#define RTC_REG_D         0x0D
#define RTC_CENTURY       0x32   /* the FADT's CENTURY field names it */

#define RTC_A_UIP  0x80   /* an update starts within 244 us */
#define RTC_B_SET  0x80
#define RTC_B_PIE  0x40
#define RTC_B_AIE  0x20
#define RTC_B_UIE  0x10
#define RTC_B_DM   0x04   /* binary, not BCD */
#define RTC_B_24H  0x02
#define RTC_C_IRQF 0x80
#define RTC_C_PF   0x40
#define RTC_C_AF   0x20
#define RTC_C_UF   0x10
#define RTC_D_VRT  0x80

struct rtc {
	struct dev_irq_line irq;
	bool irq_level;
	uint8_t cmos[128];     /* RAM, registers A (bits 0-6) and B, and the alarm bytes as written */
	uint8_t index;
	uint8_t flags;         /* register C's PF, AF, UF */
	int64_t base_sec;      /* the clock's Unix time at ref_ns (while SET: the frozen time) */
	/* Both on the guest clock plus one second (rtc.c says why): */
	uint64_t ref_ns;       /* updates happen at ref_ns + k seconds; periodic ticks are phased on it too */
	uint64_t checked_ns;   /* flags account for every event up to this time */
};

/* Starts the clock: the host's Unix time was unix_ns at guest time now_ns. Updates happen in phase with the
 * host's seconds. Register A = 0x26 (32.768 kHz, rate 6 selected, PIE off), B = 0x02 (24-hour, BCD, no
 * interrupts), D = VRT, RAM zeroed. irq is driven high while register C's IRQF is set. */
void rtc_init(struct rtc *rtc, struct dev_irq_line irq, uint64_t unix_ns, uint64_t now_ns);

/* A guest access at 0x70 + offset, byte by byte: offset 0 writes the index (reads 0xFF), offset 1 the
 * selected register. Reading C returns and clears the flags and lowers irq. Time writes adjust the guest's
 * clock; with B.SET the clock stops until SET is cleared, then restarts from what was written. */
uint64_t rtc_read(struct rtc *rtc, uint64_t now_ns, unsigned offset, unsigned size);
void rtc_write(struct rtc *rtc, uint64_t now_ns, unsigned offset, unsigned size, uint64_t value);

/* When the next enabled interrupt (periodic, alarm, update-ended) will set IRQF; UINT64_MAX when none is
 * enabled or IRQF is already set (the guest must read C first). */
uint64_t rtc_next_deadline(const struct rtc *rtc);

/* Sets the flags of every event due by now_ns and raises irq when an enabled one is among them. */
void rtc_advance(struct rtc *rtc, uint64_t now_ns);

/* Fills the memory-size bytes that PC BIOSes leave in CMOS: base memory (640 KiB) at 0x15-0x16, KiB above 1 MiB
 * at 0x17-0x18 and 0x30-0x31 (at most 0xFFFF), 64 KiB blocks above 16 MiB below 4 GiB at 0x34-0x35 and above
 * 4 GiB at 0x5B-0x5D, and the checksum of 0x10-0x2D at 0x2E-0x2F. */
void rtc_set_memory_size(struct rtc *rtc, uint64_t ram_below_4g, uint64_t ram_above_4g);

#endif
