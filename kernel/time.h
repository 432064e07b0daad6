/* Time: the TSC, calibrated at boot against the ACPI PM timer (or the PIT), as the clock of the host. */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <stdint.h>

/* Measures the TSC frequency; needs acpi_init for the PM timer. */
void time_init(void);
uint64_t time_tsc_hz(void);
/* Nanoseconds in a span of TSC ticks, without overflow for any span. */
uint64_t time_tsc_to_ns(uint64_t ticks);
/* Milliseconds since time_init. */
uint64_t time_uptime_ms(void);
uint64_t time_boot_tsc(void);
/* Busy-waits; usable before threads exist and with interrupts off. */
void time_delay_us(uint64_t us);

#endif
