/* Conventions shared by the emulated PC devices of hv/dev/: interrupt lines, time and tick conversions.
 *
 * Every device is a pure register-level model driven through its API:
 * - time is a uint64_t now_ns, the guest-visible monotonic clock in nanoseconds, passed into every call that
 *   depends on time (devices without time take none); callers never move it backwards;
 * - register access is X_read(dev, [now_ns,] offset, size) / X_write(dev, [now_ns,] offset, size, value), with
 *   offset relative to the device's base (port or MMIO) and size 1, 2, 4 or 8; any offset and size is accepted
 *   (guest-controlled), what the hardware lacks reads as the hardware would and writes are ignored;
 * - a timer device exposes X_next_deadline (UINT64_MAX when nothing is armed) and X_advance, which fires what
 *   is due; counters are computed from now_ns when read, so the host never polls per tick;
 * - outputs leave through callbacks given at init. */
#ifndef KEEL_HV_DEV_DEV_H
#define KEEL_HV_DEV_DEV_H

#include <stdbool.h>
#include <stdint.h>

#define DEV_NS_PER_SEC 1000000000ull

/* One interrupt line out of a device: set(ctx, line, level) is called when the device drives it. A line with
 * set == NULL is not connected. */
struct dev_irq_line {
	void (*set)(void *ctx, unsigned line, bool level);
	void *ctx;
	unsigned line;
};

static inline void dev_irq_set(const struct dev_irq_line *irq, bool level)
{
	if (irq->set)
		irq->set(irq->ctx, irq->line, level);
}

static inline void dev_irq_raise(const struct dev_irq_line *irq)
{
	dev_irq_set(irq, true);
}

static inline void dev_irq_lower(const struct dev_irq_line *irq)
{
	dev_irq_set(irq, false);
}

/* An edge on an edge-triggered ISA line: raise then lower. */
static inline void dev_irq_pulse(const struct dev_irq_line *irq)
{
	dev_irq_set(irq, true);
	dev_irq_set(irq, false);
}

/* Whole ticks of an hz clock (hz below 1.8e10) in ns nanoseconds: floor(ns * hz / 1e9), in 64-bit math by
 * splitting ns into seconds and a remainder (no 128-bit division, no overflow below 584 years). */
static inline uint64_t dev_ns_to_ticks(uint64_t ns, uint64_t hz)
{
	return (ns / DEV_NS_PER_SEC) * hz + (ns % DEV_NS_PER_SEC) * hz / DEV_NS_PER_SEC;
}

/* The nanoseconds after which `ticks` ticks of an hz clock (1 <= hz < 1.8e10) have elapsed: ceil(ticks * 1e9 /
 * hz), so that dev_ns_to_ticks(dev_ticks_to_ns(t, hz), hz) >= t. Saturates at UINT64_MAX. */
static inline uint64_t dev_ticks_to_ns(uint64_t ticks, uint64_t hz)
{
	uint64_t secs = ticks / hz, rem = ticks % hz;

	if (secs > UINT64_MAX / DEV_NS_PER_SEC - 1)
		return UINT64_MAX;
	return secs * DEV_NS_PER_SEC + (rem * DEV_NS_PER_SEC + hz - 1) / hz;
}

/* a + b, saturating at UINT64_MAX (deadlines far away stay "never" instead of wrapping into the past). */
static inline uint64_t dev_add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

#endif
