/* Wall-clock time: the host's CMOS clock read once at boot, carried forward by the TSC. */
#ifndef KERNEL_WALLCLOCK_H
#define KERNEL_WALLCLOCK_H

#include <stdint.h>

/* Reads the CMOS real-time clock (taken as UTC, as servers keep it); needs time_init. */
void wallclock_init(void);
/* Seconds (nanoseconds) since 1970-01-01 00:00 UTC. */
uint64_t wallclock_unix_seconds(void);
uint64_t wallclock_unix_ns(void);
/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
int64_t wallclock_days_from_civil(int64_t year, unsigned month, unsigned day);

#endif
