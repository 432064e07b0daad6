/* Unit tests for hv/dev/lapic.c: register reset values and masks, software disable, IRR/ISR/TMR flows with TPR
 * and PPR, EOI broadcast of level interrupts, ESR, IPIs routed between two APICs (fixed, NMI, INIT, SIPI,
 * shorthands, logical destinations), the timer in one-shot, periodic and TSC-deadline modes, and hostile
 * offsets and sizes. */
#include "../../hv/dev/lapic.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

/* A two-vCPU "VM" that routes IPIs the way the real one will. */
struct vm {
	struct lapic apic[2];
	struct lapic_ipi last;
	unsigned ipis;
	uint8_t eoi_vector;
	unsigned eois;
};

static struct vm vm;

static void send_ipi(void *ctx, const struct lapic_ipi *ipi)
{
	struct vm *v = ctx;

	v->last = *ipi;
	v->ipis++;
	for (unsigned i = 0; i < 2; i++)
		if (lapic_ipi_targets(&v->apic[i], ipi))
			lapic_deliver(&v->apic[i], ipi->delivery_mode, ipi->vector, ipi->level);
}

static void eoi(void *ctx, uint8_t vector)
{
	struct vm *v = ctx;

	v->eoi_vector = vector;
	v->eois++;
}

static void setup(uint64_t timer_hz)
{
	memset(&vm, 0, sizeof(vm));
	for (unsigned i = 0; i < 2; i++) {
		struct lapic_config cfg = { (uint8_t)i, timer_hz, send_ipi, eoi, &vm };

		lapic_init(&vm.apic[i], &cfg);
	}
}

static uint32_t rd(struct lapic *l, uint64_t now, unsigned off)
{
	return (uint32_t)lapic_read(l, now, off, 4);
}

static void wr(struct lapic *l, uint64_t now, unsigned off, uint32_t v)
{
	lapic_write(l, now, off, 4, v);
}

static void enable(struct lapic *l)
{
	wr(l, 0, LAPIC_SVR, LAPIC_SVR_ENABLE | 0xFF);
}

static void test_registers(void)
{
	struct lapic *l = &vm.apic[1];

	setup(0);
	CHECK_EQ(rd(l, 0, LAPIC_ID), 1u << 24);
	CHECK_EQ(rd(l, 0, LAPIC_VER), 0x00050014);
	CHECK_EQ(rd(l, 0, LAPIC_SVR), 0xFF);
	CHECK_EQ(rd(l, 0, LAPIC_DFR), 0xFFFFFFFF);
	for (unsigned off = LAPIC_LVT_TIMER; off <= LAPIC_LVT_ERROR; off += 0x10)
		CHECK_EQ(rd(l, 0, off), LAPIC_LVT_MASKED);
	CHECK_EQ(rd(l, 0, LAPIC_TIMER_DCR), 0);
	/* The ID is read-only. */
	wr(l, 0, LAPIC_ID, 0x05000000);
	CHECK_EQ(rd(l, 0, LAPIC_ID), 1u << 24);
	wr(l, 0, LAPIC_TPR, 0x1FF);
	CHECK_EQ(rd(l, 0, LAPIC_TPR), 0xFF);
	wr(l, 0, LAPIC_TPR, 0);
	wr(l, 0, LAPIC_LDR, 0xFFFFFFFF);
	CHECK_EQ(rd(l, 0, LAPIC_LDR), 0xFF000000);
	wr(l, 0, LAPIC_DFR, 0);
	CHECK_EQ(rd(l, 0, LAPIC_DFR), 0x0FFFFFFF);
	wr(l, 0, LAPIC_TIMER_DCR, 0xFF);
	CHECK_EQ(rd(l, 0, LAPIC_TIMER_DCR), 0x0B);
	wr(l, 0, LAPIC_ICR_HI, 0xFFFFFFFF);
	CHECK_EQ(rd(l, 0, LAPIC_ICR_HI), 0xFF000000);

	/* Software-disabled: LVTs stay masked and interrupts are dropped. */
	wr(l, 0, LAPIC_LVT_LINT0, 0x700);
	CHECK_EQ(rd(l, 0, LAPIC_LVT_LINT0), LAPIC_LVT_MASKED | 0x700);
	lapic_accept_interrupt(l, 0x40, false);
	CHECK_EQ(lapic_pending_vector(l), -1);
	enable(l);
	CHECK_EQ(rd(l, 0, LAPIC_SVR), 0x1FF);
	wr(l, 0, LAPIC_LVT_LINT0, 0x700);   /* virtual wire: ExtINT */
	CHECK_EQ(rd(l, 0, LAPIC_LVT_LINT0), 0x700);
	CHECK(lapic_extint_enabled(l));
	wr(l, 0, LAPIC_LVT_LINT0, 0xFFFFFFFF);
	CHECK_EQ(rd(l, 0, LAPIC_LVT_LINT0), 0x0001A7FF);   /* remote IRR, delivery status read-only */
	CHECK(!lapic_extint_enabled(l));
	wr(l, 0, LAPIC_LVT_TIMER, 0xFFFFFFFF);
	CHECK_EQ(rd(l, 0, LAPIC_LVT_TIMER), 0x000700FF);
	/* Disabling masks every LVT. */
	wr(l, 0, LAPIC_LVT_LINT1, 0x400);
	wr(l, 0, LAPIC_SVR, 0xFF);
	CHECK_EQ(rd(l, 0, LAPIC_LVT_LINT1), LAPIC_LVT_MASKED | 0x400);
}

static void test_priority_and_eoi(void)
{
	struct lapic *l = &vm.apic[0];

	setup(0);
	enable(l);
	lapic_accept_interrupt(l, 0x31, false);
	lapic_accept_interrupt(l, 0x52, true);
	CHECK_EQ(rd(l, 0, LAPIC_IRR + 0x10), 1u << 0x11);
	CHECK_EQ(rd(l, 0, LAPIC_IRR + 0x20), 1u << 0x12);
	CHECK_EQ(rd(l, 0, LAPIC_TMR + 0x20), 1u << 0x12);
	CHECK_EQ(lapic_pending_vector(l), 0x52);
	lapic_acknowledge(l, 0x52);
	CHECK_EQ(rd(l, 0, LAPIC_ISR + 0x20), 1u << 0x12);
	CHECK_EQ(rd(l, 0, LAPIC_IRR + 0x20), 0);
	CHECK_EQ(rd(l, 0, LAPIC_PPR), 0x50);
	/* 0x31 is below the in-service class. */
	CHECK_EQ(lapic_pending_vector(l), -1);
	/* A same-class vector also waits; a higher class preempts. */
	lapic_accept_interrupt(l, 0x5F, false);
	CHECK_EQ(lapic_pending_vector(l), -1);
	lapic_accept_interrupt(l, 0x60, false);
	CHECK_EQ(lapic_pending_vector(l), 0x60);
	lapic_acknowledge(l, 0x60);
	wr(l, 0, LAPIC_EOI, 0);   /* EOIs 0x60: edge, no broadcast */
	CHECK_EQ(vm.eois, 0);
	CHECK_EQ(lapic_pending_vector(l), -1);
	wr(l, 0, LAPIC_EOI, 0);   /* EOIs 0x52: level, broadcast */
	CHECK_EQ(vm.eois, 1);
	CHECK_EQ(vm.eoi_vector, 0x52);
	CHECK_EQ(lapic_pending_vector(l), 0x5F);
	/* TPR holds back classes at or below it. */
	wr(l, 0, LAPIC_TPR, 0x5F);
	CHECK_EQ(rd(l, 0, LAPIC_PPR), 0x5F);
	CHECK_EQ(lapic_pending_vector(l), -1);
	wr(l, 0, LAPIC_TPR, 0x40);
	CHECK_EQ(lapic_pending_vector(l), 0x5F);
	CHECK_EQ(rd(l, 0, LAPIC_APR), 0x50);
	/* Acknowledging a vector not in IRR changes nothing; EOI with nothing in service neither. */
	lapic_acknowledge(l, 0x99);
	CHECK_EQ(rd(l, 0, LAPIC_ISR + 0x40), 0);
	wr(l, 0, LAPIC_TPR, 0);
	lapic_acknowledge(l, 0x5F);
	lapic_acknowledge(l, 0x31);
	wr(l, 0, LAPIC_EOI, 0);
	wr(l, 0, LAPIC_EOI, 0);
	wr(l, 0, LAPIC_EOI, 0);
	CHECK_EQ(vm.eois, 1);
	CHECK_EQ(rd(l, 0, LAPIC_ISR + 0x10) | rd(l, 0, LAPIC_ISR + 0x20), 0);

	/* Illegal vectors: ESR after a write to it; the error LVT interrupt. */
	wr(l, 0, LAPIC_LVT_ERROR, 0xFE);
	lapic_accept_interrupt(l, 3, false);
	CHECK_EQ(rd(l, 0, LAPIC_ESR), 0);
	wr(l, 0, LAPIC_ESR, 0);
	CHECK_EQ(rd(l, 0, LAPIC_ESR), LAPIC_ESR_RECV_VECTOR);
	CHECK_EQ(lapic_pending_vector(l), 0xFE);
	wr(l, 0, LAPIC_ICR_LO, 0x0000000F);   /* fixed IPI with vector 15 */
	wr(l, 0, LAPIC_ESR, 0);
	CHECK_EQ(rd(l, 0, LAPIC_ESR), LAPIC_ESR_SEND_VECTOR);
	CHECK_EQ(vm.ipis, 0);
	wr(l, 0, LAPIC_ESR, 0);
	CHECK_EQ(rd(l, 0, LAPIC_ESR), 0);
}

static void test_ipis(void)
{
	struct lapic *a = &vm.apic[0], *b = &vm.apic[1];

	setup(0);
	enable(a);
	enable(b);
	/* Fixed, physical destination 1. */
	wr(a, 0, LAPIC_ICR_HI, 1u << 24);
	wr(a, 0, LAPIC_ICR_LO, 0x4041);
	CHECK_EQ(vm.ipis, 1);
	CHECK_EQ(vm.last.source_id, 0);
	CHECK_EQ(vm.last.vector, 0x41);
	CHECK_EQ(vm.last.dest, 1);
	CHECK_EQ(rd(a, 0, LAPIC_ICR_LO), 0x4041);   /* delivery status always idle */
	CHECK_EQ(lapic_pending_vector(b), 0x41);
	CHECK_EQ(lapic_pending_vector(a), -1);
	/* Self. */
	wr(a, 0, LAPIC_ICR_LO, (LAPIC_SH_SELF << 18) | 0x42);
	CHECK_EQ(lapic_pending_vector(a), 0x42);
	/* All but self: NMI. */
	wr(a, 0, LAPIC_ICR_LO, (LAPIC_SH_ALL_BUT_SELF << 18) | (LAPIC_DM_NMI << 8));
	CHECK(lapic_take_nmi(b));
	CHECK(!lapic_take_nmi(b));
	CHECK(!lapic_take_nmi(a));
	/* All including self. */
	wr(a, 0, LAPIC_ICR_LO, (LAPIC_SH_ALL << 18) | 0x43);
	CHECK_EQ(lapic_pending_vector(a), 0x43);
	CHECK_EQ(lapic_pending_vector(b), 0x43);
	/* Broadcast physical destination. */
	wr(a, 0, LAPIC_ICR_HI, 0xFF000000);
	wr(a, 0, LAPIC_ICR_LO, 0x44);
	CHECK_EQ(lapic_pending_vector(b), 0x44);

	/* Logical flat: b answers to bit 1. */
	wr(b, 0, LAPIC_LDR, 0x02000000);
	CHECK(lapic_match_dest(b, 0x02, true));
	CHECK(lapic_match_dest(b, 0x03, true));
	CHECK(!lapic_match_dest(b, 0x01, true));
	CHECK(!lapic_match_dest(b, 0x00, true));
	CHECK(lapic_match_dest(b, 0x01, false));
	CHECK(!lapic_match_dest(b, 0x02, false));
	/* Logical cluster: cluster 2, member bit 1. */
	wr(b, 0, LAPIC_DFR, 0x0FFFFFFF);
	wr(b, 0, LAPIC_LDR, 0x22000000);
	CHECK(lapic_match_dest(b, 0x22, true));
	CHECK(lapic_match_dest(b, 0x2F, true));
	CHECK(!lapic_match_dest(b, 0x12, true));
	CHECK(!lapic_match_dest(b, 0x21, true));

	/* INIT then SIPI: the way an OS starts an AP. */
	wr(b, 0, LAPIC_TPR, 0x20);
	wr(a, 0, LAPIC_ICR_HI, 1u << 24);
	wr(a, 0, LAPIC_ICR_LO, 0x4500);              /* INIT assert */
	CHECK(lapic_take_init(b));
	CHECK(!lapic_take_init(b));
	CHECK_EQ(rd(b, 0, LAPIC_TPR), 0);             /* INIT reset the APIC ... */
	CHECK_EQ(rd(b, 0, LAPIC_SVR), 0xFF);
	CHECK_EQ(rd(b, 0, LAPIC_ID), 1u << 24);       /* ... but its ID */
	CHECK_EQ(lapic_pending_vector(b), -1);
	wr(a, 0, LAPIC_ICR_LO, 0x8500);              /* INIT level de-assert: nothing */
	CHECK(!lapic_take_init(b));
	CHECK_EQ(lapic_take_sipi(b), -1);
	wr(a, 0, LAPIC_ICR_LO, 0x4600 | 0x9F);       /* SIPI, start at 0x9F000 */
	CHECK_EQ(lapic_take_sipi(b), 0x9F);
	CHECK_EQ(lapic_take_sipi(b), -1);
	/* Reserved and ExtINT delivery modes are not sent. */
	unsigned ipis = vm.ipis;
	wr(a, 0, LAPIC_ICR_LO, 0x0300 | 0x50);
	wr(a, 0, LAPIC_ICR_LO, 0x0700 | 0x50);
	CHECK_EQ(vm.ipis, ipis);
	/* Lowest priority is delivered like fixed. */
	enable(b);
	wr(a, 0, LAPIC_ICR_LO, 0x0100 | 0x51);
	CHECK_EQ(lapic_pending_vector(b), 0x51);
}

static void test_timer_oneshot_periodic(void)
{
	struct lapic *l = &vm.apic[0];
	const uint64_t t0 = 1000;

	setup(0);   /* 1 GHz */
	enable(l);
	CHECK_EQ(lapic_next_deadline(l), UINT64_MAX);
	wr(l, t0, LAPIC_LVT_TIMER, 0xEF);   /* one-shot, vector 0xEF */
	wr(l, t0, LAPIC_TIMER_DCR, 0x03);   /* divide by 16 */
	wr(l, t0, LAPIC_TIMER_INIT, 1000);
	CHECK_EQ(rd(l, t0, LAPIC_TIMER_INIT), 1000);
	CHECK_EQ(rd(l, t0, LAPIC_TIMER_CUR), 1000);
	CHECK_EQ(rd(l, t0 + 8000, LAPIC_TIMER_CUR), 500);
	CHECK_EQ(rd(l, t0 + 8015, LAPIC_TIMER_CUR), 500);
	CHECK_EQ(rd(l, t0 + 8016, LAPIC_TIMER_CUR), 499);
	CHECK_EQ(lapic_next_deadline(l), t0 + 16000);
	lapic_advance(l, t0 + 15999);
	CHECK_EQ(lapic_pending_vector(l), -1);
	lapic_advance(l, t0 + 16000);
	CHECK_EQ(lapic_pending_vector(l), 0xEF);
	CHECK_EQ(rd(l, t0 + 16000, LAPIC_TIMER_CUR), 0);
	CHECK_EQ(lapic_next_deadline(l), UINT64_MAX);
	lapic_advance(l, t0 + 1000000);
	lapic_acknowledge(l, 0xEF);
	wr(l, t0, LAPIC_EOI, 0);
	CHECK_EQ(lapic_pending_vector(l), -1);   /* fired once */

	/* Periodic, divide by 1: every 100 ns. */
	wr(l, t0, LAPIC_LVT_TIMER, (LAPIC_TIMER_PERIODIC << 17) | 0xEE);
	wr(l, t0, LAPIC_TIMER_DCR, 0x0B);
	wr(l, t0, LAPIC_TIMER_INIT, 100);
	CHECK_EQ(lapic_next_deadline(l), t0 + 100);
	lapic_advance(l, t0 + 100);
	CHECK_EQ(lapic_pending_vector(l), 0xEE);
	lapic_acknowledge(l, 0xEE);
	wr(l, t0 + 100, LAPIC_EOI, 0);
	CHECK_EQ(lapic_next_deadline(l), t0 + 200);
	CHECK_EQ(rd(l, t0 + 150, LAPIC_TIMER_CUR), 50);
	CHECK_EQ(rd(l, t0 + 200, LAPIC_TIMER_CUR), 100);
	/* Late by many periods: one interrupt, next deadline the next boundary. */
	lapic_advance(l, t0 + 1050);
	CHECK_EQ(lapic_pending_vector(l), 0xEE);
	CHECK_EQ(lapic_next_deadline(l), t0 + 1100);
	lapic_acknowledge(l, 0xEE);
	wr(l, t0 + 1050, LAPIC_EOI, 0);
	/* A new divisor applies from the current count on: 50 left, now at 4 ns each. */
	wr(l, t0 + 1050, LAPIC_TIMER_DCR, 0x01);
	CHECK_EQ(rd(l, t0 + 1050, LAPIC_TIMER_CUR), 50);
	CHECK_EQ(lapic_next_deadline(l), t0 + 1050 + 200);
	lapic_advance(l, t0 + 1250);
	CHECK_EQ(lapic_next_deadline(l), t0 + 1250 + 400);   /* then full periods of 100 */
	/* Masked: no deadline; unmasking later does not replay expiries missed meanwhile. */
	lapic_acknowledge(l, 0xEE);
	wr(l, t0 + 1250, LAPIC_EOI, 0);
	wr(l, t0 + 1250, LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | (LAPIC_TIMER_PERIODIC << 17) | 0xEE);
	CHECK_EQ(lapic_next_deadline(l), UINT64_MAX);
	wr(l, t0 + 5000, LAPIC_LVT_TIMER, (LAPIC_TIMER_PERIODIC << 17) | 0xEE);
	CHECK_EQ(lapic_pending_vector(l), -1);
	CHECK(lapic_next_deadline(l) > t0 + 5000);
	/* Initial count 0 stops it. */
	wr(l, t0 + 5000, LAPIC_TIMER_INIT, 0);
	CHECK_EQ(lapic_next_deadline(l), UINT64_MAX);
	CHECK_EQ(rd(l, t0 + 5000, LAPIC_TIMER_CUR), 0);

	/* Another bus clock: 100 MHz, divide 2, count 5 = 100 ns; the largest count at divide 128 = 5497 s. */
	setup(100000000);
	l = &vm.apic[0];
	enable(l);
	wr(l, 0, LAPIC_LVT_TIMER, 0x30);
	wr(l, 0, LAPIC_TIMER_INIT, 5);
	CHECK_EQ(lapic_next_deadline(l), 100);
	wr(l, 0, LAPIC_TIMER_DCR, 0x0A);
	wr(l, 0, LAPIC_TIMER_INIT, 0xFFFFFFFF);
	CHECK_EQ(lapic_next_deadline(l), 0xFFFFFFFFull * 128 * 10);
}

static void test_tsc_deadline(void)
{
	struct lapic *l = &vm.apic[0];

	setup(0);
	enable(l);
	/* Ignored outside TSC-deadline mode. */
	lapic_write_tsc_deadline(l, 0, 5000);
	CHECK_EQ(lapic_read_tsc_deadline(l), 0);
	wr(l, 0, LAPIC_LVT_TIMER, (LAPIC_TIMER_TSC << 17) | 0xEC);
	lapic_write_tsc_deadline(l, 100, 5000);
	CHECK_EQ(lapic_read_tsc_deadline(l), 5000);
	CHECK_EQ(lapic_next_deadline(l), 5000);
	/* The initial count is ignored and the current count reads 0 in this mode. */
	wr(l, 200, LAPIC_TIMER_INIT, 10);
	CHECK_EQ(rd(l, 200, LAPIC_TIMER_INIT), 0);
	CHECK_EQ(rd(l, 200, LAPIC_TIMER_CUR), 0);
	lapic_advance(l, 4999);
	CHECK_EQ(lapic_pending_vector(l), -1);
	lapic_advance(l, 5000);
	CHECK_EQ(lapic_pending_vector(l), 0xEC);
	CHECK_EQ(lapic_read_tsc_deadline(l), 0);
	CHECK_EQ(lapic_next_deadline(l), UINT64_MAX);
	lapic_acknowledge(l, 0xEC);
	wr(l, 6000, LAPIC_EOI, 0);
	/* A deadline in the past fires at once. */
	lapic_write_tsc_deadline(l, 7000, 6500);
	CHECK_EQ(lapic_pending_vector(l), 0xEC);
	lapic_acknowledge(l, 0xEC);
	wr(l, 7000, LAPIC_EOI, 0);
	/* Leaving the mode disarms. */
	lapic_write_tsc_deadline(l, 7000, 9000);
	wr(l, 7000, LAPIC_LVT_TIMER, 0xEC);
	CHECK_EQ(lapic_read_tsc_deadline(l), 0);
	CHECK_EQ(lapic_next_deadline(l), UINT64_MAX);
	/* Writing 0 disarms. */
	wr(l, 7000, LAPIC_LVT_TIMER, (LAPIC_TIMER_TSC << 17) | 0xEC);
	lapic_write_tsc_deadline(l, 7000, 9000);
	lapic_write_tsc_deadline(l, 7000, 0);
	CHECK_EQ(lapic_next_deadline(l), UINT64_MAX);
}

static void test_hostile(void)
{
	struct lapic *l = &vm.apic[0];

	setup(~0ull);   /* clamped to 10 GHz */
	CHECK_EQ(vm.apic[0].cfg.timer_hz, LAPIC_MAX_TIMER_HZ);
	enable(l);
	CHECK_EQ(lapic_read(l, 0, LAPIC_SIZE, 4), 0);
	CHECK_EQ(lapic_read(l, 0, 0xFFFFFFFFu, 8), 0);
	CHECK_EQ(lapic_read(l, 0, 0x3F0, 4), 0);
	CHECK_EQ(lapic_read(l, 0, LAPIC_VER + 4, 4), 0);       /* the rest of a 16-byte slot */
	CHECK_EQ(lapic_read(l, 0, LAPIC_VER + 2, 1), 0x05);    /* a byte of a register */
	CHECK_EQ(lapic_read(l, 0, LAPIC_VER, 2), 0x0014);
	CHECK_EQ(lapic_read(l, 0, LAPIC_VER, 8), 0x00050014);
	lapic_write(l, 0, LAPIC_TPR, 1, 0x20);                 /* not 4 bytes: ignored */
	lapic_write(l, 0, LAPIC_TPR + 1, 4, 0x20);             /* misaligned: ignored */
	lapic_write(l, 0, 0xFFFFFFF0u, 4, 0x20);
	CHECK_EQ(rd(l, 0, LAPIC_TPR), 0);
	lapic_write(l, 0, LAPIC_TPR, 8, 0xFFFFFFFF00000030ull);
	CHECK_EQ(rd(l, 0, LAPIC_TPR), 0x30);
	/* Every register offset written with all ones and read back: nothing breaks. */
	for (unsigned off = 0; off < LAPIC_SIZE; off += 0x10) {
		if (off == LAPIC_ICR_LO)
			continue;
		lapic_write(l, 100, off, 4, 0xFFFFFFFF);
		lapic_read(l, 200, off, 4);
	}
	lapic_advance(l, UINT64_MAX);
	CHECK(lapic_next_deadline(l) == UINT64_MAX || lapic_next_deadline(l) > 200);
	/* Vectors below 16 never land in IRR. */
	enable(l);
	for (unsigned v = 0; v < 16; v++)
		lapic_deliver(l, LAPIC_DM_FIXED, (uint8_t)v, false);
	CHECK_EQ(rd(l, 0, LAPIC_IRR), 0);
	lapic_deliver(l, 2, 0x80, false);   /* SMI: ignored */
	lapic_deliver(l, 7, 0x80, false);   /* ExtINT: the PIC's business */
	lapic_deliver(l, 3, 0x80, false);
	CHECK_EQ(rd(l, 0, LAPIC_IRR + 0x40), 0);
}

int main(void)
{
	test_registers();
	test_priority_and_eoi();
	test_ipis();
	test_timer_oneshot_periodic();
	test_tsc_deadline();
	test_hostile();
	return check_summary();
}
