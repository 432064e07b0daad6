/* Unit tests for hv/dev/pic8259.c: the ICW sequence as Linux and BIOSes write it, masks, IRR/ISR reads, EOI,
 * priority, the cascade, edge and level (ELCR) triggering, spurious vectors, poll mode, the INTR output and
 * hostile windows, offsets and sizes. */
#include "../../hv/dev/pic8259.h"

#include <stdbool.h>
#include <stdint.h>

#include "check.h"

static bool intr;
static unsigned intr_changes;

static void intr_set(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	(void)line;
	intr = level;
	intr_changes++;
}

static void wr(struct pic8259 *p, unsigned win, unsigned off, uint8_t v)
{
	pic8259_write(p, win, off, 1, v);
}

static uint8_t rd(struct pic8259 *p, unsigned win, unsigned off)
{
	return (uint8_t)pic8259_read(p, win, off, 1);
}

/* The classic initialization: master at 0x20, slave at 0x28, cascade on 2, 8086 mode, all unmasked. */
static void setup(struct pic8259 *p, uint8_t master_base, uint8_t slave_base)
{
	intr = false;
	intr_changes = 0;
	pic8259_init(p, (struct dev_irq_line){ intr_set, NULL, 0 });
	wr(p, PIC8259_WIN_MASTER, 0, 0x11);
	wr(p, PIC8259_WIN_MASTER, 1, master_base);
	wr(p, PIC8259_WIN_MASTER, 1, 0x04);
	wr(p, PIC8259_WIN_MASTER, 1, 0x01);
	wr(p, PIC8259_WIN_SLAVE, 0, 0x11);
	wr(p, PIC8259_WIN_SLAVE, 1, slave_base);
	wr(p, PIC8259_WIN_SLAVE, 1, 0x02);
	wr(p, PIC8259_WIN_SLAVE, 1, 0x01);
	wr(p, PIC8259_WIN_MASTER, 1, 0x00);
	wr(p, PIC8259_WIN_SLAVE, 1, 0x00);
}

static void test_init_and_masks(void)
{
	struct pic8259 p;

	intr = false;
	pic8259_init(&p, (struct dev_irq_line){ intr_set, NULL, 0 });
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 1), 0xFF);
	pic8259_set_irq(&p, 1, true);
	CHECK_EQ(pic8259_pending_vector(&p), -1);   /* masked at power-on */

	setup(&p, 0x20, 0x28);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 1), 0x00);
	wr(&p, PIC8259_WIN_MASTER, 1, 0xFB);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 1), 0xFB);
	wr(&p, PIC8259_WIN_SLAVE, 1, 0xA5);
	CHECK_EQ(rd(&p, PIC8259_WIN_SLAVE, 1), 0xA5);
	CHECK_EQ(p.chip[0].base, 0x20);
	CHECK_EQ(p.chip[1].base, 0x28);

	/* ICW1 without ICW4 and in single mode: ICW2 ends the sequence. */
	wr(&p, PIC8259_WIN_MASTER, 0, 0x12);
	wr(&p, PIC8259_WIN_MASTER, 1, 0x40);
	wr(&p, PIC8259_WIN_MASTER, 1, 0x3C);   /* OCW1 now */
	CHECK_EQ(p.chip[0].base, 0x40);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 1), 0x3C);
}

static void test_edge_ack_eoi(void)
{
	struct pic8259 p;

	setup(&p, 0x20, 0x28);
	CHECK(!intr);
	pic8259_set_irq(&p, 0, true);
	pic8259_set_irq(&p, 0, false);   /* a pulse is latched */
	CHECK(intr);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x01);   /* IRR */
	CHECK_EQ(pic8259_pending_vector(&p), 0x20);
	CHECK_EQ(pic8259_acknowledge(&p), 0x20);
	CHECK(!intr);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x00);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x0B);   /* OCW3: read ISR */
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x01);

	/* A lower-priority request waits for the EOI; a higher one does not. */
	pic8259_set_irq(&p, 4, true);
	CHECK(!intr);
	CHECK_EQ(pic8259_pending_vector(&p), -1);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x20);   /* non-specific EOI */
	CHECK(intr);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x00);
	CHECK_EQ(pic8259_acknowledge(&p), 0x24);
	pic8259_set_irq(&p, 1, true);
	CHECK_EQ(pic8259_acknowledge(&p), 0x21);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x12);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x20);   /* clears 1, the highest in service */
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x10);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x64);   /* specific EOI for 4 */
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x00);

	/* An edge input held high requests once. */
	CHECK_EQ(pic8259_pending_vector(&p), -1);
	pic8259_set_irq(&p, 4, true);
	CHECK_EQ(pic8259_pending_vector(&p), -1);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x0A);   /* back to IRR */
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x00);
}

static void test_priority(void)
{
	struct pic8259 p;

	setup(&p, 0x08, 0x70);
	pic8259_set_irq(&p, 7, true);
	pic8259_set_irq(&p, 3, true);
	pic8259_set_irq(&p, 5, true);
	CHECK_EQ(pic8259_acknowledge(&p), 0x0B);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x20);
	CHECK_EQ(pic8259_acknowledge(&p), 0x0D);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x20);
	CHECK_EQ(pic8259_acknowledge(&p), 0x0F);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x20);
	/* Masked requests stay in IRR and are not delivered. */
	wr(&p, PIC8259_WIN_MASTER, 1, 0x40);
	pic8259_set_irq(&p, 6, true);
	CHECK_EQ(pic8259_pending_vector(&p), -1);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x40);
	wr(&p, PIC8259_WIN_MASTER, 1, 0x00);
	CHECK_EQ(pic8259_pending_vector(&p), 0x0E);
}

static void test_cascade(void)
{
	struct pic8259 p;

	setup(&p, 0x20, 0x28);
	pic8259_set_irq(&p, 12, true);
	CHECK(intr);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x04);   /* cascade request */
	CHECK_EQ(pic8259_pending_vector(&p), 0x2C);
	/* Master IRQ 1 outranks the slave's 8-15 (they sit at master 2). */
	pic8259_set_irq(&p, 1, true);
	CHECK_EQ(pic8259_acknowledge(&p), 0x21);
	/* Master 1 in service blocks the cascade until EOI. */
	CHECK_EQ(pic8259_pending_vector(&p), -1);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x20);
	CHECK_EQ(pic8259_acknowledge(&p), 0x2C);
	wr(&p, PIC8259_WIN_SLAVE, 0, 0x0B);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x0B);
	CHECK_EQ(rd(&p, PIC8259_WIN_SLAVE, 0), 0x10);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x04);
	/* Another slave request of higher priority than 12 waits for the master's ISR 2. */
	pic8259_set_irq(&p, 8, true);
	CHECK_EQ(pic8259_pending_vector(&p), -1);
	wr(&p, PIC8259_WIN_SLAVE, 0, 0x20);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x20);
	CHECK_EQ(pic8259_acknowledge(&p), 0x28);
	wr(&p, PIC8259_WIN_SLAVE, 0, 0x20);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x20);
	CHECK(!intr);
	/* Slave mask blocks the cascade. */
	wr(&p, PIC8259_WIN_SLAVE, 1, 0x01);
	pic8259_set_irq(&p, 8, false);
	pic8259_set_irq(&p, 8, true);
	CHECK(!intr);
	wr(&p, PIC8259_WIN_SLAVE, 1, 0x00);
	CHECK(intr);
	CHECK_EQ(pic8259_acknowledge(&p), 0x28);
}

static void test_level_and_elcr(void)
{
	struct pic8259 p;

	setup(&p, 0x20, 0x28);
	pic8259_write(&p, PIC8259_WIN_ELCR, 0, 2, 0xFFFF);
	CHECK_EQ(pic8259_read(&p, PIC8259_WIN_ELCR, 0, 2), 0xDEF8);   /* 0, 1, 2, 8, 13 always edge */
	pic8259_write(&p, PIC8259_WIN_ELCR, 1, 1, 0x02);
	CHECK_EQ(pic8259_read(&p, PIC8259_WIN_ELCR, 0, 2), 0x02F8);
	wr(&p, PIC8259_WIN_ELCR, 0, 0x00);                            /* IRQ 9 level only */

	pic8259_set_irq(&p, 9, true);
	CHECK_EQ(pic8259_acknowledge(&p), 0x29);
	wr(&p, PIC8259_WIN_SLAVE, 0, 0x20);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x20);
	/* Still high after EOI: requested again. */
	CHECK(intr);
	CHECK_EQ(pic8259_acknowledge(&p), 0x29);
	wr(&p, PIC8259_WIN_SLAVE, 0, 0x20);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x20);
	/* Lowered before INTA: the request vanishes and INTA finds nothing (spurious 7). */
	pic8259_set_irq(&p, 9, false);
	CHECK(!intr);
	CHECK_EQ(pic8259_pending_vector(&p), -1);
	CHECK_EQ(pic8259_acknowledge(&p), 0x27);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x0B);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x00);   /* spurious sets no ISR bit */

	/* An edge input lowered after the edge stays latched. */
	pic8259_set_irq(&p, 3, true);
	pic8259_set_irq(&p, 3, false);
	CHECK_EQ(pic8259_acknowledge(&p), 0x23);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x20);

	/* Spurious 15: the cascade was requested, the slave's request is gone at INTA. */
	pic8259_set_irq(&p, 9, true);
	CHECK_EQ(pic8259_pending_vector(&p), 0x29);
	p.chip[1].irr = 0;   /* the line dropped between the master's and the slave's INTA */
	CHECK_EQ(pic8259_acknowledge(&p), 0x2F);
}

static void test_auto_eoi_and_poll(void)
{
	struct pic8259 p;

	setup(&p, 0x20, 0x28);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x11);
	wr(&p, PIC8259_WIN_MASTER, 1, 0x20);
	wr(&p, PIC8259_WIN_MASTER, 1, 0x04);
	wr(&p, PIC8259_WIN_MASTER, 1, 0x03);   /* auto-EOI */
	pic8259_set_irq(&p, 5, true);
	CHECK_EQ(pic8259_acknowledge(&p), 0x25);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x0B);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x00);

	setup(&p, 0x20, 0x28);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x0C);   /* poll: nothing */
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x00);
	pic8259_set_irq(&p, 6, true);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x0C);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x86);
	CHECK(!intr);
	wr(&p, PIC8259_WIN_MASTER, 0, 0x0B);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 0), 0x40);   /* poll acknowledged it */
}

static void test_hostile(void)
{
	struct pic8259 p;

	setup(&p, 0x20, 0x28);
	CHECK_EQ(pic8259_read(&p, 3, 0, 1), 0xFF);
	CHECK_EQ(pic8259_read(&p, 0xFFFFFFFFu, 0, 4), 0xFFFFFFFFu);
	CHECK_EQ(pic8259_read(&p, PIC8259_WIN_MASTER, 2, 1), 0xFF);
	CHECK_EQ(pic8259_read(&p, PIC8259_WIN_MASTER, 0xFFFFFFFFu, 2), 0xFFFF);
	CHECK_EQ(pic8259_read(&p, PIC8259_WIN_MASTER, 1, 4), 0xFFFFFF00u);
	pic8259_write(&p, 7, 0, 8, ~0ull);
	pic8259_write(&p, PIC8259_WIN_SLAVE, 0xFFFFFFFFu, 8, ~0ull);
	pic8259_write(&p, PIC8259_WIN_ELCR, 5, 1, 0xFF);
	CHECK_EQ(rd(&p, PIC8259_WIN_SLAVE, 1), 0x00);
	pic8259_set_irq(&p, 16, true);
	pic8259_set_irq(&p, 0xFFFFFFFFu, true);
	pic8259_set_irq(&p, 2, true);   /* the cascade input is not an ISA line */
	CHECK_EQ(pic8259_pending_vector(&p), -1);
	/* A 2-byte write at the command port: OCW then mask. */
	pic8259_write(&p, PIC8259_WIN_MASTER, 0, 2, 0xF020);
	CHECK_EQ(rd(&p, PIC8259_WIN_MASTER, 1), 0xF0);
}

int main(void)
{
	test_init_and_masks();
	test_edge_ack_eoi();
	test_priority();
	test_cascade();
	test_level_and_elcr();
	test_auto_eoi_and_poll();
	test_hostile();
	return check_summary();
}
