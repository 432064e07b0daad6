/* TSC calibration and busy-wait delays. */
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/time.h"

#define PM_TIMER_HZ 3579545
#define PIT_HZ 1193182

static uint64_t tsc_hz = 1000000000; /* until calibrated: a guess that keeps early delays finite */
static uint64_t boot_tsc;

/* A PM timer reading and the TSC at that moment: of three reads, the one the TSC brackets most tightly,
 * since a read that was interrupted or descheduled (an emulator's vCPU thread) is wider. */
static uint32_t pm_timer_read(uint32_t mask, uint64_t *tsc)
{
	uint64_t best = UINT64_MAX;
	uint32_t value = 0;
	for (int i = 0; i < 3; i++) {
		uint64_t before = rdtsc();
		uint32_t v = inl(acpi.pm_timer_port) & mask;
		uint64_t after = rdtsc();
		if (after - before < best) {
			best = after - before;
			value = v;
			*tsc = before + (after - before) / 2;
		}
	}
	return value;
}

/* Counts TSC ticks over pm_ticks of the ACPI PM timer (a free-running 24- or 32-bit counter). */
static uint64_t calibrate_pm_timer(uint32_t pm_ticks)
{
	uint32_t mask = acpi.pm_timer_32bit ? 0xffffffffu : 0xffffffu;
	uint64_t tsc0 = 0, tsc1 = 0;
	uint32_t start = pm_timer_read(mask, &tsc0), elapsed;
	do
		elapsed = (pm_timer_read(mask, &tsc1) - start) & mask;
	while (elapsed < pm_ticks);
	return (tsc1 - tsc0) * PM_TIMER_HZ / elapsed;
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
	if (a > b)
		return b > c ? b : a < c ? a : c;
	return a > c ? a : b < c ? b : c;
}

/* PIT channel 2 in one-shot mode, gated through port 0x61, counts down ticks once. */
static uint64_t calibrate_pit(uint16_t ticks)
{
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0); /* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, ticks & 0xff);
	outb(0x42, ticks >> 8);
	uint64_t tsc0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		cpu_relax();
	return (rdtsc() - tsc0) * PIT_HZ / ticks;
}

void time_init(void)
{
	boot_tsc = rdtsc();
	/* 2 ms: 0.05% accuracy from the PM timer's 3.58 MHz, and short, since under QEMU's icount every
	 * nanosecond of busy-waiting is an emulated instruction of boot time. The median of three runs drops
	 * one that a descheduled emulator thread stretched; guests take this frequency for their clocks. */
	if (acpi.pm_timer_port)
		tsc_hz = median3(calibrate_pm_timer(PM_TIMER_HZ / 500), calibrate_pm_timer(PM_TIMER_HZ / 500),
				 calibrate_pm_timer(PM_TIMER_HZ / 500));
	else
		tsc_hz = calibrate_pit(PIT_HZ / 500);
}

uint64_t time_tsc_hz(void) { return tsc_hz; }
uint64_t time_tsc_to_ns(uint64_t ticks)
{
	return ticks / tsc_hz * 1000000000ull + ticks % tsc_hz * 1000000000ull / tsc_hz;
}
uint64_t time_boot_tsc(void) { return boot_tsc; }
uint64_t time_uptime_ms(void) { return (rdtsc() - boot_tsc) / (tsc_hz / 1000); }

void time_delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + us * (tsc_hz / 1000000);
	while (rdtsc() < end)
		cpu_relax();
}
