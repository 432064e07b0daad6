/* The 8259A pair: initialization words, masks, EOI, IRR/ISR reads, poll, priority resolution, the cascade and
 * the INTA cycle. */
#include "pic8259.h"

#include <string.h>

#define WINDOW_PORTS 2u

/* Inputs that request while high rather than on a rising edge. */
static uint8_t level_mask(const struct pic8259_chip *c)
{
	return c->ltim ? 0xFF : c->elcr;
}

/* The highest-priority unmasked request not blocked by an in-service interrupt of equal or higher priority,
 * or -1. */
static int chip_best(const struct pic8259_chip *c)
{
	uint8_t req = c->irr & (uint8_t)~c->imr;

	for (int i = 0; i < 8; i++) {
		if (c->isr & (1u << i))
			return -1;
		if (req & (1u << i))
			return i;
	}
	return -1;
}

/* Takes request irq into service: an edge request is consumed; a level request stays while its line is high. */
static void chip_ack(struct pic8259_chip *c, int irq)
{
	uint8_t bit = (uint8_t)(1u << irq);

	c->irr &= (uint8_t)~(bit & ~level_mask(c));
	if (!c->auto_eoi)
		c->isr |= bit;
}

/* Propagates the slave's INT output to the master's cascade input (a level: the slave holds INT until its INTA)
 * and the master's output to the CPU. */
static void update(struct pic8259 *pic)
{
	struct pic8259_chip *m = &pic->chip[0];
	bool level;

	if (chip_best(&pic->chip[1]) >= 0)
		m->irr |= 1u << PIC8259_CASCADE_IRQ;
	else
		m->irr &= (uint8_t)~(1u << PIC8259_CASCADE_IRQ);
	level = chip_best(m) >= 0;
	if (level != pic->intr_level) {
		pic->intr_level = level;
		dev_irq_set(&pic->intr, level);
	}
}

void pic8259_init(struct pic8259 *pic, struct dev_irq_line intr)
{
	memset(pic, 0, sizeof(*pic));
	pic->intr = intr;
	pic->chip[0].base = 0x08;
	pic->chip[1].base = 0x70;
	pic->chip[0].imr = 0xFF;
	pic->chip[1].imr = 0xFF;
}

static uint8_t chip_poll(struct pic8259 *pic, struct pic8259_chip *c)
{
	int irq = chip_best(c);

	c->poll = false;
	if (irq < 0)
		return 0;
	chip_ack(c, irq);
	update(pic);
	return (uint8_t)(0x80 | irq);
}

static uint8_t read_byte(struct pic8259 *pic, unsigned window, unsigned offset)
{
	struct pic8259_chip *c;

	if (window == PIC8259_WIN_ELCR)
		return pic->chip[offset].elcr;
	c = &pic->chip[window];
	if (offset == 1)
		return c->imr;
	if (c->poll)
		return chip_poll(pic, c);
	return c->read_isr ? c->isr : c->irr;
}

static void write_icw1(struct pic8259_chip *c, uint8_t value)
{
	c->imr = 0;
	c->isr = 0;
	c->read_isr = false;
	c->poll = false;
	c->auto_eoi = false;
	c->icw4_needed = value & 0x01;
	c->single = value & 0x02;
	c->ltim = value & 0x08;
	/* The edge detectors restart: a line already high must fall and rise again to request. */
	c->irr = c->lines & level_mask(c);
	c->init_step = 2;
}

static void write_port0(struct pic8259_chip *c, uint8_t value)
{
	if (value & 0x10) {
		write_icw1(c, value);
		return;
	}
	if (value & 0x08) {   /* OCW3 */
		if (value & 0x04)
			c->poll = true;
		if (value & 0x02)
			c->read_isr = value & 0x01;
		return;
	}
	switch (value >> 5) {   /* OCW2 */
	case 1:   /* non-specific EOI */
	case 5:   /* rotate on non-specific EOI: priorities stay fixed */
		if (c->isr)
			c->isr &= (uint8_t)(c->isr - 1);   /* clears the lowest set bit: the highest priority */
		break;
	case 3:   /* specific EOI */
	case 7:   /* rotate on specific EOI */
		c->isr &= (uint8_t)~(1u << (value & 7));
		break;
	default:  /* rotation and priority commands */
		break;
	}
}

static void write_port1(struct pic8259_chip *c, uint8_t value)
{
	switch (c->init_step) {
	case 2:
		c->base = value & 0xF8;
		c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
		break;
	case 3:   /* ICW3: the cascade is wired to IRQ 2 whatever the guest says */
		c->init_step = c->icw4_needed ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = value & 0x02;   /* 8086 mode is assumed whatever bit 0 says */
		c->init_step = 0;
		break;
	default:
		c->imr = value;
		break;
	}
}

static void write_byte(struct pic8259 *pic, unsigned window, unsigned offset, uint8_t value)
{
	struct pic8259_chip *c;

	if (window == PIC8259_WIN_ELCR) {
		c = &pic->chip[offset];
		c->elcr = value & (offset ? 0xDE : 0xF8);   /* IRQ 0, 1, 2, 8, 13 are always edge */
		c->irr = (c->irr & (uint8_t)~level_mask(c)) | (c->lines & level_mask(c));
		return;
	}
	c = &pic->chip[window];
	if (offset == 0)
		write_port0(c, value);
	else
		write_port1(c, value);
}

uint64_t pic8259_read(struct pic8259 *pic, unsigned window, unsigned offset, unsigned size)
{
	uint64_t v = 0;

	if (size > 8)
		size = 8;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = 0xFF;

		if (window <= PIC8259_WIN_ELCR && offset < WINDOW_PORTS && i < WINDOW_PORTS - offset)
			b = read_byte(pic, window, offset + i);
		v |= (uint64_t)b << (8 * i);
	}
	update(pic);
	return v;
}

void pic8259_write(struct pic8259 *pic, unsigned window, unsigned offset, unsigned size, uint64_t value)
{
	if (size > 8)
		size = 8;
	for (unsigned i = 0; i < size; i++) {
		if (window <= PIC8259_WIN_ELCR && offset < WINDOW_PORTS && i < WINDOW_PORTS - offset)
			write_byte(pic, window, offset + i, (uint8_t)(value >> (8 * i)));
	}
	update(pic);
}

void pic8259_set_irq(struct pic8259 *pic, unsigned irq, bool level)
{
	struct pic8259_chip *c;
	uint8_t bit;

	if (irq >= 16 || irq == PIC8259_CASCADE_IRQ)
		return;
	c = &pic->chip[irq >> 3];
	bit = (uint8_t)(1u << (irq & 7));
	if (level_mask(c) & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= (uint8_t)~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= (uint8_t)~bit;
	update(pic);
}

int pic8259_pending_vector(const struct pic8259 *pic)
{
	int irq = chip_best(&pic->chip[0]), sirq;

	if (irq < 0)
		return -1;
	if (irq != PIC8259_CASCADE_IRQ)
		return pic->chip[0].base | irq;
	sirq = chip_best(&pic->chip[1]);
	return pic->chip[1].base | (sirq < 0 ? 7 : sirq);
}

int pic8259_acknowledge(struct pic8259 *pic)
{
	int irq = chip_best(&pic->chip[0]), sirq, vector;

	if (irq < 0) {
		vector = pic->chip[0].base | 7;
	} else {
		chip_ack(&pic->chip[0], irq);
		if (irq == PIC8259_CASCADE_IRQ) {
			sirq = chip_best(&pic->chip[1]);
			if (sirq >= 0)
				chip_ack(&pic->chip[1], sirq);
			vector = pic->chip[1].base | (sirq < 0 ? 7 : sirq);
		} else {
			vector = pic->chip[0].base | irq;
		}
	}
	update(pic);
	return vector;
}
