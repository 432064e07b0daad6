/* Unit tests for hv/dev/ioapic.c: ID/version/arbitration, redirection entry read-back and read-only bits, edge
 * and level delivery, masks, remote IRR with EOI and redelivery, the edge-switch unstick, non-fixed modes, and
 * hostile offsets, sizes and indexes. */
#include "../../hv/dev/ioapic.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

struct msg {
	uint8_t dest, mode, vector;
	bool logical, level;
};

static struct msg sent[16];
static unsigned nsent;

static void deliver(void *ctx, uint8_t dest, bool logical, uint8_t mode, uint8_t vector, bool level)
{
	(void)ctx;
	if (nsent < 16)
		sent[nsent] = (struct msg){ dest, mode, vector, logical, level };
	nsent++;
}

static void setup(struct ioapic *io)
{
	nsent = 0;
	memset(sent, 0, sizeof(sent));
	ioapic_init(io, 2, deliver, NULL);
}

static uint32_t reg_rd(struct ioapic *io, uint8_t index)
{
	ioapic_write(io, IOAPIC_REGSEL, 4, index);
	return (uint32_t)ioapic_read(io, IOAPIC_WIN, 4);
}

static void reg_wr(struct ioapic *io, uint8_t index, uint32_t v)
{
	ioapic_write(io, IOAPIC_REGSEL, 4, index);
	ioapic_write(io, IOAPIC_WIN, 4, v);
}

static void set_entry(struct ioapic *io, unsigned pin, uint64_t e)
{
	reg_wr(io, (uint8_t)(IOAPIC_REG_REDIR + 2 * pin + 1), (uint32_t)(e >> 32));
	reg_wr(io, (uint8_t)(IOAPIC_REG_REDIR + 2 * pin), (uint32_t)e);
}

static void test_registers(void)
{
	struct ioapic io;

	setup(&io);
	CHECK_EQ(reg_rd(&io, IOAPIC_REG_ID), 2u << 24);
	CHECK_EQ(reg_rd(&io, IOAPIC_REG_VER), 0x00170011);
	CHECK_EQ(reg_rd(&io, IOAPIC_REG_ARB), 2u << 24);
	reg_wr(&io, IOAPIC_REG_ID, 0xFFFFFFFF);
	CHECK_EQ(reg_rd(&io, IOAPIC_REG_ID), 0x0Fu << 24);
	reg_wr(&io, IOAPIC_REG_VER, 0);
	CHECK_EQ(reg_rd(&io, IOAPIC_REG_VER), 0x00170011);
	CHECK_EQ(ioapic_read(&io, IOAPIC_REGSEL, 4), IOAPIC_REG_VER);

	/* Every entry starts masked; writable bits read back, delivery status and remote IRR do not stick. */
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		CHECK_EQ(reg_rd(&io, (uint8_t)(0x10 + 2 * pin)), IOAPIC_RTE_MASKED);
	reg_wr(&io, 0x10 + 2 * 23, 0xFFFFFFFF);
	CHECK_EQ(reg_rd(&io, 0x10 + 2 * 23), 0x0001AFFF);
	reg_wr(&io, 0x11 + 2 * 23, 0xFFFFFFFF);
	CHECK_EQ(reg_rd(&io, 0x11 + 2 * 23), 0xFF000000);
	CHECK_EQ(nsent, 0);
}

static void test_edge(void)
{
	struct ioapic io;

	setup(&io);
	set_entry(&io, 2, 0x30 | (3ull << IOAPIC_RTE_DEST_SHIFT));   /* PIT on pin 2: vector 0x30 to APIC 3 */
	ioapic_set_irq(&io, 2, true);
	ioapic_set_irq(&io, 2, false);
	CHECK_EQ(nsent, 1);
	CHECK_EQ(sent[0].vector, 0x30);
	CHECK_EQ(sent[0].dest, 3);
	CHECK(!sent[0].logical);
	CHECK(!sent[0].level);
	CHECK_EQ(sent[0].mode, IOAPIC_DM_FIXED);
	/* Only rising edges deliver. */
	ioapic_set_irq(&io, 2, true);
	ioapic_set_irq(&io, 2, true);
	CHECK_EQ(nsent, 2);
	ioapic_set_irq(&io, 2, false);
	/* Masked edges are lost, unmasking does not replay them. */
	set_entry(&io, 2, 0x30 | IOAPIC_RTE_MASKED);
	ioapic_set_irq(&io, 2, true);
	ioapic_set_irq(&io, 2, false);
	set_entry(&io, 2, 0x30);
	CHECK_EQ(nsent, 2);
	/* Logical destination and lowest priority pass through. */
	set_entry(&io, 4, 0x41 | (1ull << 8) | IOAPIC_RTE_LOGICAL | (0x0Full << 56));
	ioapic_set_irq(&io, 4, true);
	CHECK_EQ(nsent, 3);
	CHECK(sent[2].logical);
	CHECK_EQ(sent[2].dest, 0x0F);
	CHECK_EQ(sent[2].mode, IOAPIC_DM_LOWEST);
}

static void test_level_remote_irr(void)
{
	struct ioapic io;
	uint64_t e = 0x51 | IOAPIC_RTE_LEVEL | IOAPIC_RTE_ACTIVE_LOW;

	setup(&io);
	set_entry(&io, 9, e);
	ioapic_set_irq(&io, 9, true);
	CHECK_EQ(nsent, 1);
	CHECK(sent[0].level);
	CHECK(reg_rd(&io, 0x10 + 18) & IOAPIC_RTE_REMOTE_IRR);
	/* While remote IRR is set nothing more is sent. */
	ioapic_set_irq(&io, 9, false);
	ioapic_set_irq(&io, 9, true);
	CHECK_EQ(nsent, 1);
	/* EOI of another vector: no effect. */
	ioapic_eoi(&io, 0x52);
	CHECK_EQ(nsent, 1);
	/* EOI while still asserted: cleared and sent again. */
	ioapic_eoi(&io, 0x51);
	CHECK_EQ(nsent, 2);
	CHECK(reg_rd(&io, 0x10 + 18) & IOAPIC_RTE_REMOTE_IRR);
	/* Deasserted then EOI: cleared, quiet. */
	ioapic_set_irq(&io, 9, false);
	ioapic_eoi(&io, 0x51);
	CHECK_EQ(nsent, 2);
	CHECK_EQ(reg_rd(&io, 0x10 + 18) & IOAPIC_RTE_REMOTE_IRR, 0);
	/* A guest write cannot set remote IRR. */
	reg_wr(&io, 0x10 + 18, (uint32_t)(e | IOAPIC_RTE_REMOTE_IRR));
	CHECK_EQ(reg_rd(&io, 0x10 + 18) & IOAPIC_RTE_REMOTE_IRR, 0);

	/* Asserted while masked: unmasking delivers (level). */
	set_entry(&io, 9, e | IOAPIC_RTE_MASKED);
	ioapic_set_irq(&io, 9, true);
	CHECK_EQ(nsent, 2);
	set_entry(&io, 9, e);
	CHECK_EQ(nsent, 3);
	/* Linux's unstick on version 0x11: switch to edge (clears remote IRR), then back to level (redelivers). */
	set_entry(&io, 9, (e & ~IOAPIC_RTE_LEVEL) | IOAPIC_RTE_MASKED);
	CHECK_EQ(reg_rd(&io, 0x10 + 18) & IOAPIC_RTE_REMOTE_IRR, 0);
	set_entry(&io, 9, e);
	CHECK_EQ(nsent, 4);
}

static void test_other_modes(void)
{
	struct ioapic io;

	setup(&io);
	/* NMI programmed level: behaves as edge, no remote IRR. */
	set_entry(&io, 5, 0x02 | (4ull << 8) | IOAPIC_RTE_LEVEL);
	ioapic_set_irq(&io, 5, true);
	ioapic_set_irq(&io, 5, true);
	CHECK_EQ(nsent, 1);
	CHECK_EQ(sent[0].mode, IOAPIC_DM_NMI);
	CHECK(!sent[0].level);
	CHECK_EQ(reg_rd(&io, 0x10 + 10) & IOAPIC_RTE_REMOTE_IRR, 0);
	/* ExtINT on pin 0. */
	set_entry(&io, 0, 7ull << 8);
	ioapic_set_irq(&io, 0, true);
	CHECK_EQ(nsent, 2);
	CHECK_EQ(sent[1].mode, IOAPIC_DM_EXTINT);
}

static void test_hostile(void)
{
	struct ioapic io;

	setup(&io);
	/* Reserved and out-of-range indexes. */
	CHECK_EQ(reg_rd(&io, 0x03), 0);
	CHECK_EQ(reg_rd(&io, 0x10 + 2 * 24), 0);
	CHECK_EQ(reg_rd(&io, 0xFF), 0);
	reg_wr(&io, 0x10 + 2 * 24, 0);
	reg_wr(&io, 0xFF, 0);
	ioapic_set_irq(&io, 24, true);
	ioapic_set_irq(&io, 0xFFFFFFFFu, true);
	CHECK_EQ(io.asserted, 0);
	/* Sizes and offsets. */
	ioapic_write(&io, IOAPIC_REGSEL, 1, 0x101);   /* a byte write selects too */
	CHECK_EQ(ioapic_read(&io, IOAPIC_REGSEL, 1), 0x01);
	CHECK_EQ(ioapic_read(&io, IOAPIC_WIN + 2, 1), 0x17);   /* byte 2 of the version */
	CHECK_EQ(ioapic_read(&io, IOAPIC_WIN, 2), 0x0011);
	CHECK_EQ(ioapic_read(&io, IOAPIC_WIN, 8), 0x00170011);
	CHECK_EQ(ioapic_read(&io, 0x20, 4), 0);
	CHECK_EQ(ioapic_read(&io, 0xFFF, 4), 0);
	CHECK_EQ(ioapic_read(&io, 0xFFFFFFFFu, 8), 0);
	ioapic_write(&io, IOAPIC_REGSEL, 4, 0x10);
	ioapic_write(&io, IOAPIC_WIN, 1, 0x00);   /* byte writes to the window are ignored */
	ioapic_write(&io, IOAPIC_WIN + 1, 4, 0x00);
	ioapic_write(&io, 0xFFFFFFFFu, 8, 0);
	CHECK_EQ(reg_rd(&io, 0x10), IOAPIC_RTE_MASKED);
	ioapic_write(&io, IOAPIC_WIN, 8, 0xFFFFFFFF00000030ull);   /* 8 bytes: the low half */
	CHECK_EQ(reg_rd(&io, 0x10), 0x30);
	CHECK_EQ(reg_rd(&io, 0x11), 0);
}

int main(void)
{
	test_registers();
	test_edge();
	test_level_remote_irr();
	test_other_modes();
	test_hostile();
	return check_summary();
}
