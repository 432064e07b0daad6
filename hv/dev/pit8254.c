/* The 8254: control words, counter access with latches and read-back, the six counting modes as functions of
 * elapsed ticks, gates, and channel 0's IRQ edges. */
#include "pit8254.h"

#include <string.h>

#define REFRESH_PERIOD_NS 15085u

static uint64_t period(const struct pit8254_channel *c)
{
	return c->reload ? c->reload : 65536;
}

static uint64_t elapsed(const struct pit8254_channel *c, uint64_t now_ns)
{
	uint64_t t = c->base_ticks;

	if (c->running && now_ns > c->start_ns)
		t += dev_ns_to_ticks(now_ns - c->start_ns, PIT8254_HZ);
	return t;
}

static bool periodic(const struct pit8254_channel *c)
{
	return c->mode == 2 || c->mode == 3;
}

/* The first rising OUT edge of a run that starts at tick 0: the terminal count of modes 0 and 1, the end of the
 * one-tick low strobe of modes 4 and 5, the end of the first period of modes 2 and 3. */
static uint64_t first_edge(const struct pit8254_channel *c)
{
	return (c->mode == 4 || c->mode == 5) ? period(c) + 1 : period(c);
}

static uint16_t count(const struct pit8254_channel *c, uint64_t now_ns)
{
	uint64_t n = period(c), d = elapsed(c, now_ns), pos, half;

	if (!c->armed)
		return c->reload;
	switch (c->mode) {
	case 1:
	case 5:
		if (!c->triggered)
			return (uint16_t)n;
		return (uint16_t)(n - d);
	case 2:
		return (uint16_t)(n - d % n);
	case 3:
		/* Counts down by two through each half period (the high half is the longer one for odd counts). */
		pos = d % n;
		half = (n + 1) / 2;
		return (uint16_t)((n - 2 * (pos < half ? pos : pos - half)) & 0xFFFE);
	default:   /* 0 and 4 wrap after the terminal count and keep counting */
		return (uint16_t)(n - d);
	}
}

static bool out(const struct pit8254_channel *c, uint64_t now_ns)
{
	uint64_t n = period(c), d = elapsed(c, now_ns);

	if (!c->armed)
		return c->mode != 0;
	switch (c->mode) {
	case 0:
		return d >= n;
	case 1:
		return !c->triggered || d >= n;
	case 2:
		return !c->gate || n == 1 || d % n != n - 1;
	case 3:
		return !c->gate || d % n < (n + 1) / 2;
	case 4:
		return d != n;
	default:   /* 5 */
		return !c->triggered || d != n;
	}
}

/* Starts a run from tick 0 at now_ns. */
static void restart(struct pit8254_channel *c, uint64_t now_ns)
{
	c->base_ticks = 0;
	c->start_ns = now_ns;
	c->running = true;
	c->next_edge = first_edge(c);
}

static void load(struct pit8254_channel *c, uint64_t now_ns, uint16_t value)
{
	c->reload = value;
	c->armed = true;
	c->null_count = false;
	c->triggered = false;
	c->running = false;
	c->base_ticks = 0;
	c->next_edge = first_edge(c);
	/* Modes 1 and 5 wait for a gate rising edge; the others start now if the gate lets them. A new count in
	 * modes 2 and 3 takes effect at once rather than at the end of the current period. */
	if (c->mode != 1 && c->mode != 5 && c->gate)
		restart(c, now_ns);
}

static void set_gate(struct pit8254_channel *c, uint64_t now_ns, bool gate)
{
	if (gate == c->gate)
		return;
	c->gate = gate;
	if (!gate) {
		/* Modes 0, 2, 3, 4 stop counting while the gate is low; 1 and 5 ignore the level. */
		if (c->mode != 1 && c->mode != 5) {
			c->base_ticks = elapsed(c, now_ns);
			c->running = false;
		}
		return;
	}
	if (!c->armed)
		return;
	if (c->mode == 0 || c->mode == 4) {   /* resume */
		c->start_ns = now_ns;
		c->running = true;
		return;
	}
	restart(c, now_ns);   /* 2, 3 reload; 1, 5 trigger */
	c->triggered = true;
}

static void control_word(struct pit8254 *pit, uint64_t now_ns, uint8_t value)
{
	unsigned sc = value >> 6, rw = (value >> 4) & 3;
	struct pit8254_channel *c;

	if (sc == 3) {   /* read-back: bits 3-1 select counters, bit 5 clear latches counts, bit 4 clear status */
		for (unsigned i = 0; i < 3; i++) {
			c = &pit->ch[i];
			if (!(value & (2u << i)))
				continue;
			if (!(value & 0x20) && !c->count_latched) {
				c->latched_count = count(c, now_ns);
				c->count_latched = true;
			}
			if (!(value & 0x10) && !c->status_latched) {
				c->latched_status = (uint8_t)((out(c, now_ns) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) |
							      (c->rw << 4) | (c->mode << 1));
				c->status_latched = true;
			}
		}
		return;
	}
	c = &pit->ch[sc];
	if (rw == 0) {   /* counter latch command */
		if (!c->count_latched) {
			c->latched_count = count(c, now_ns);
			c->count_latched = true;
			c->read_msb_next = false;
		}
		return;
	}
	c->rw = (uint8_t)rw;
	c->mode = (uint8_t)((value >> 1) & 7);
	if (c->mode > 5)
		c->mode -= 4;   /* 6 and 7 are aliases of 2 and 3 */
	/* Bit 0 (BCD) is ignored: the counter counts in binary. */
	c->armed = false;
	c->running = false;
	c->null_count = true;
	c->write_msb_next = false;
	c->read_msb_next = false;
	c->count_latched = false;
	c->status_latched = false;
	c->next_edge = UINT64_MAX;
}

static uint8_t read_counter(struct pit8254_channel *c, uint64_t now_ns)
{
	uint16_t v;
	bool msb;

	if (c->status_latched) {
		c->status_latched = false;
		return c->latched_status;
	}
	v = c->count_latched ? c->latched_count : count(c, now_ns);
	msb = c->rw == 2 || (c->rw == 3 && c->read_msb_next);
	if (c->rw == 3)
		c->read_msb_next = !c->read_msb_next;
	if (c->rw != 3 || !c->read_msb_next)
		c->count_latched = false;   /* the latch holds until its last byte was read */
	return (uint8_t)(msb ? v >> 8 : v);
}

static void write_counter(struct pit8254_channel *c, uint64_t now_ns, uint8_t value)
{
	switch (c->rw) {
	case 1:
		load(c, now_ns, value);
		break;
	case 2:
		load(c, now_ns, (uint16_t)(value << 8));
		break;
	default:
		if (!c->write_msb_next) {
			c->write_lsb = value;
			c->write_msb_next = true;
			c->null_count = true;
			if (c->mode == 0) {   /* the first byte of a new count stops mode 0 */
				c->armed = false;
				c->running = false;
				c->next_edge = UINT64_MAX;
			}
			break;
		}
		c->write_msb_next = false;
		load(c, now_ns, (uint16_t)(c->write_lsb | (value << 8)));
		break;
	}
}

void pit8254_init(struct pit8254 *pit, struct dev_irq_line irq0)
{
	memset(pit, 0, sizeof(*pit));
	pit->irq0 = irq0;
	for (unsigned i = 0; i < 3; i++) {
		pit->ch[i].rw = 3;
		pit->ch[i].gate = i != 2;
		pit->ch[i].next_edge = UINT64_MAX;
	}
}

uint64_t pit8254_read(struct pit8254 *pit, uint64_t now_ns, unsigned offset, unsigned size)
{
	uint64_t v = 0;

	if (size > 8)
		size = 8;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = 0xFF;

		if (offset < 3 && i < 3 - offset)
			b = read_counter(&pit->ch[offset + i], now_ns);
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

void pit8254_write(struct pit8254 *pit, uint64_t now_ns, unsigned offset, unsigned size, uint64_t value)
{
	if (size > 8)
		size = 8;
	for (unsigned i = 0; i < size && offset < PIT8254_PORTS && i < PIT8254_PORTS - offset; i++) {
		uint8_t b = (uint8_t)(value >> (8 * i));

		if (offset + i == 3)
			control_word(pit, now_ns, b);
		else
			write_counter(&pit->ch[offset + i], now_ns, b);
	}
}

uint8_t pit8254_read_port61(struct pit8254 *pit, uint64_t now_ns)
{
	return (uint8_t)(pit->port61 | (((now_ns / REFRESH_PERIOD_NS) & 1) ? PIT8254_PORT61_REFRESH : 0) |
			 (out(&pit->ch[2], now_ns) ? PIT8254_PORT61_OUT2 : 0));
}

void pit8254_write_port61(struct pit8254 *pit, uint64_t now_ns, uint8_t value)
{
	pit->port61 = value & 0x0F;
	set_gate(&pit->ch[2], now_ns, value & PIT8254_PORT61_GATE2);
}

uint64_t pit8254_next_deadline(const struct pit8254 *pit)
{
	const struct pit8254_channel *c = &pit->ch[0];

	if (!c->running || c->next_edge == UINT64_MAX)
		return UINT64_MAX;
	if (c->next_edge <= c->base_ticks)
		return c->start_ns;
	return dev_add_sat(c->start_ns, dev_ticks_to_ns(c->next_edge - c->base_ticks, PIT8254_HZ));
}

void pit8254_advance(struct pit8254 *pit, uint64_t now_ns)
{
	struct pit8254_channel *c = &pit->ch[0];
	uint64_t d;

	if (!c->running || c->next_edge == UINT64_MAX)
		return;
	d = elapsed(c, now_ns);
	if (d < c->next_edge)
		return;
	dev_irq_pulse(&pit->irq0);
	c->next_edge = periodic(c) ? (d / period(c) + 1) * period(c) : UINT64_MAX;
}
