/* The xAPIC local APIC: register file, interrupt acceptance and priority, EOI, IPIs and the timer. */
#include "lapic.h"

#include <string.h>

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

/* Writable bits of each LVT (delivery status and remote IRR are read-only). */
static const uint32_t lvt_writable[LVT_COUNT] = {
	0x000700FF,   /* timer: vector, mask, mode */
	0x000107FF,   /* thermal: vector, delivery mode, mask */
	0x000107FF,   /* perf */
	0x0001A7FF,   /* LINT0: vector, delivery mode, polarity, trigger, mask */
	0x0001A7FF,   /* LINT1 */
	0x000100FF,   /* error: vector, mask */
};

#define ICR_WRITABLE 0x000CCFFFu   /* vector, delivery mode, destination mode, level, trigger, shorthand */

static int highest(const uint32_t reg[8])
{
	for (int i = 7; i >= 0; i--)
		if (reg[i])
			return i * 32 + 31 - __builtin_clz(reg[i]);
	return -1;
}

static bool test_bit(const uint32_t reg[8], unsigned v)
{
	return reg[v / 32] & (1u << (v % 32));
}

static void set_bit(uint32_t reg[8], unsigned v, bool on)
{
	if (on)
		reg[v / 32] |= 1u << (v % 32);
	else
		reg[v / 32] &= ~(1u << (v % 32));
}

static uint32_t ppr(const struct lapic *l)
{
	int isrv = highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;

	return (l->tpr & 0xF0) >= isr_class ? l->tpr : isr_class;
}

static uint32_t apr(const struct lapic *l)
{
	int isrv = highest(l->isr), irrv = highest(l->irr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0, irr_class = irrv < 0 ? 0 : (uint32_t)irrv & 0xF0;
	uint32_t a = l->tpr & 0xF0;

	if ((l->tpr & 0xF0) >= irr_class && (l->tpr & 0xF0) > isr_class)
		return l->tpr;
	if (isr_class > a)
		a = isr_class;
	return irr_class > a ? irr_class : a;
}

static void signal_error(struct lapic *l, uint32_t bit)
{
	uint32_t e = l->lvt[LVT_ERROR];

	l->esr_pending |= bit;
	/* Set IRR directly: an illegal error vector must not report itself again. */
	if (!(e & LAPIC_LVT_MASKED) && (e & 0xFF) >= 16) {
		set_bit(l->irr, e & 0xFF, true);
		set_bit(l->tmr, e & 0xFF, false);
	}
}

/* The power-on (and INIT) state of everything but the ID and the configuration. */
static void reset(struct lapic *l)
{
	struct lapic_config cfg = l->cfg;

	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	l->dfr = 0xFFFFFFFF;
	l->svr = 0xFF;
	for (unsigned i = 0; i < LVT_COUNT; i++)
		l->lvt[i] = LAPIC_LVT_MASKED;
	l->sipi_vector = -1;
}

void lapic_init(struct lapic *l, const struct lapic_config *cfg)
{
	l->cfg = *cfg;
	if (!l->cfg.timer_hz)
		l->cfg.timer_hz = LAPIC_DEFAULT_TIMER_HZ;
	if (l->cfg.timer_hz > LAPIC_MAX_TIMER_HZ)
		l->cfg.timer_hz = LAPIC_MAX_TIMER_HZ;
	reset(l);
}

/* ---- timer ---- */

static unsigned timer_mode(const struct lapic *l)
{
	return (l->lvt[LVT_TIMER] >> 17) & 3;
}

static uint64_t divisor(const struct lapic *l)
{
	static const uint8_t div[8] = { 2, 4, 8, 16, 32, 64, 128, 1 };

	return div[((l->dcr >> 1) & 4) | (l->dcr & 3)];
}

/* Divided timer ticks since timer_start_ns. */
static uint64_t timer_ticks(const struct lapic *l, uint64_t now_ns)
{
	if (now_ns <= l->timer_start_ns)
		return 0;
	return dev_ns_to_ticks(now_ns - l->timer_start_ns, l->cfg.timer_hz) / divisor(l);
}

static uint64_t expiries(const struct lapic *l, uint64_t ticks)
{
	if (ticks < l->timer_first)
		return 0;
	if (timer_mode(l) != LAPIC_TIMER_PERIODIC)
		return 1;
	return 1 + (ticks - l->timer_first) / l->timer_initial;
}

static uint32_t current_count(const struct lapic *l, uint64_t now_ns)
{
	uint64_t t;

	if (!l->timer_running || timer_mode(l) == LAPIC_TIMER_TSC)
		return 0;
	t = timer_ticks(l, now_ns);
	if (t < l->timer_first)
		return (uint32_t)(l->timer_first - t);
	if (timer_mode(l) != LAPIC_TIMER_PERIODIC)
		return 0;
	return (uint32_t)(l->timer_initial - (t - l->timer_first) % l->timer_initial);
}

static void timer_start(struct lapic *l, uint64_t now_ns, uint32_t first)
{
	l->timer_start_ns = now_ns;
	l->timer_first = first;
	l->timer_fired = 0;
	l->timer_running = first != 0;
}

static void timer_fire(struct lapic *l)
{
	uint32_t lvt = l->lvt[LVT_TIMER];

	if (!(lvt & LAPIC_LVT_MASKED))
		lapic_accept_interrupt(l, (uint8_t)lvt, false);
}

void lapic_advance(struct lapic *l, uint64_t now_ns)
{
	uint64_t n;

	if (timer_mode(l) == LAPIC_TIMER_TSC) {
		if (l->tsc_deadline_ns && now_ns >= l->tsc_deadline_ns) {
			l->tsc_deadline_ns = 0;
			timer_fire(l);
		}
		return;
	}
	if (!l->timer_running)
		return;
	n = expiries(l, timer_ticks(l, now_ns));
	if (n <= l->timer_fired)
		return;
	l->timer_fired = n;
	timer_fire(l);
}

uint64_t lapic_next_deadline(const struct lapic *l)
{
	uint64_t div = divisor(l), t;

	if (l->lvt[LVT_TIMER] & LAPIC_LVT_MASKED)
		return UINT64_MAX;
	if (timer_mode(l) == LAPIC_TIMER_TSC)
		return l->tsc_deadline_ns ? l->tsc_deadline_ns : UINT64_MAX;
	if (!l->timer_running)
		return UINT64_MAX;
	if (timer_mode(l) != LAPIC_TIMER_PERIODIC)
		t = l->timer_fired ? UINT64_MAX : l->timer_first;
	else if (l->timer_fired > (UINT64_MAX - l->timer_first) / l->timer_initial)
		t = UINT64_MAX;
	else
		t = l->timer_first + l->timer_fired * l->timer_initial;
	if (t == UINT64_MAX || t > UINT64_MAX / div)
		return UINT64_MAX;
	return dev_add_sat(l->timer_start_ns, dev_ticks_to_ns(t * div, l->cfg.timer_hz));
}

void lapic_write_tsc_deadline(struct lapic *l, uint64_t now_ns, uint64_t deadline_ns)
{
	if (timer_mode(l) != LAPIC_TIMER_TSC)
		return;
	l->tsc_deadline_ns = deadline_ns;
	lapic_advance(l, now_ns);
}

uint64_t lapic_read_tsc_deadline(const struct lapic *l)
{
	return l->tsc_deadline_ns;
}

/* ---- interrupts ---- */

void lapic_accept_interrupt(struct lapic *l, uint8_t vector, bool level)
{
	if (!(l->svr & LAPIC_SVR_ENABLE))
		return;
	if (vector < 16) {
		signal_error(l, LAPIC_ESR_RECV_VECTOR);
		return;
	}
	set_bit(l->irr, vector, true);
	set_bit(l->tmr, vector, level);
}

int lapic_pending_vector(const struct lapic *l)
{
	int v = highest(l->irr);

	if (v < 0 || ((uint32_t)v & 0xF0) <= (ppr(l) & 0xF0))
		return -1;
	return v;
}

void lapic_acknowledge(struct lapic *l, uint8_t vector)
{
	if (!test_bit(l->irr, vector))
		return;
	set_bit(l->irr, vector, false);
	set_bit(l->isr, vector, true);
}

static void eoi(struct lapic *l)
{
	int v = highest(l->isr);

	if (v < 0)
		return;
	set_bit(l->isr, (unsigned)v, false);
	if (test_bit(l->tmr, (unsigned)v) && l->cfg.eoi)
		l->cfg.eoi(l->cfg.ctx, (uint8_t)v);
}

bool lapic_match_dest(const struct lapic *l, uint8_t dest, bool logical)
{
	uint8_t ldr = (uint8_t)(l->ldr >> 24);

	if (dest == 0xFF)
		return true;
	if (!logical)
		return dest == l->cfg.id;
	if ((l->dfr >> 28) == 0xF)   /* flat: a bit mask of up to 8 APICs */
		return ldr & dest;
	/* cluster: high nibble names the cluster, low nibble a mask within it */
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0x0F);
}

bool lapic_ipi_targets(const struct lapic *l, const struct lapic_ipi *ipi)
{
	switch (ipi->shorthand) {
	case LAPIC_SH_SELF:
		return l->cfg.id == ipi->source_id;
	case LAPIC_SH_ALL:
		return true;
	case LAPIC_SH_ALL_BUT_SELF:
		return l->cfg.id != ipi->source_id;
	default:
		return lapic_match_dest(l, ipi->dest, ipi->logical);
	}
}

void lapic_deliver(struct lapic *l, uint8_t delivery_mode, uint8_t vector, bool level)
{
	switch (delivery_mode) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		lapic_accept_interrupt(l, vector, level);
		break;
	case LAPIC_DM_NMI:
		l->nmi_pending = true;
		break;
	case LAPIC_DM_INIT:
		reset(l);
		l->init_pending = true;
		break;
	case LAPIC_DM_SIPI:
		l->sipi_vector = vector;
		break;
	default:   /* SMI, ExtINT, reserved */
		break;
	}
}

static void send_ipi(struct lapic *l)
{
	uint32_t icr = l->icr_lo;
	struct lapic_ipi ipi = {
		.source_id = l->cfg.id,
		.vector = (uint8_t)icr,
		.delivery_mode = (uint8_t)((icr >> 8) & 7),
		.shorthand = (uint8_t)((icr >> 18) & 3),
		.dest = (uint8_t)(l->icr_hi >> 24),
		.logical = icr & (1u << 11),
		.level = icr & (1u << 15),
	};

	/* INIT level de-assert does nothing on current processors; ExtINT and reserved modes cannot be sent. */
	if (ipi.delivery_mode == LAPIC_DM_INIT && !(icr & (1u << 14)) && ipi.level)
		return;
	if (ipi.delivery_mode == 3 || ipi.delivery_mode == LAPIC_DM_EXTINT)
		return;
	if ((ipi.delivery_mode == LAPIC_DM_FIXED || ipi.delivery_mode == LAPIC_DM_LOWEST) && ipi.vector < 16) {
		signal_error(l, LAPIC_ESR_SEND_VECTOR);
		return;
	}
	if (l->cfg.send_ipi)
		l->cfg.send_ipi(l->cfg.ctx, &ipi);
}

bool lapic_take_nmi(struct lapic *l)
{
	bool p = l->nmi_pending;

	l->nmi_pending = false;
	return p;
}

bool lapic_take_init(struct lapic *l)
{
	bool p = l->init_pending;

	l->init_pending = false;
	return p;
}

int lapic_take_sipi(struct lapic *l)
{
	int v = l->sipi_vector;

	l->sipi_vector = -1;
	return v;
}

bool lapic_extint_enabled(const struct lapic *l)
{
	uint32_t lint0 = l->lvt[LVT_LINT0];

	return !(lint0 & LAPIC_LVT_MASKED) && ((lint0 >> 8) & 7) == LAPIC_DM_EXTINT;
}

/* ---- register access ---- */

static uint32_t read_reg(const struct lapic *l, uint64_t now_ns, unsigned reg)
{
	if (reg >= LAPIC_ISR && reg < LAPIC_ISR + 0x80)
		return l->isr[(reg - LAPIC_ISR) >> 4];
	if (reg >= LAPIC_TMR && reg < LAPIC_TMR + 0x80)
		return l->tmr[(reg - LAPIC_TMR) >> 4];
	if (reg >= LAPIC_IRR && reg < LAPIC_IRR + 0x80)
		return l->irr[(reg - LAPIC_IRR) >> 4];
	if (reg >= LAPIC_LVT_TIMER && reg <= LAPIC_LVT_ERROR)
		return l->lvt[(reg - LAPIC_LVT_TIMER) >> 4];
	switch (reg) {
	case LAPIC_ID:         return (uint32_t)l->cfg.id << 24;
	case LAPIC_VER:        return LAPIC_VERSION;
	case LAPIC_TPR:        return l->tpr;
	case LAPIC_APR:        return apr(l);
	case LAPIC_PPR:        return ppr(l);
	case LAPIC_LDR:        return l->ldr;
	case LAPIC_DFR:        return l->dfr;
	case LAPIC_SVR:        return l->svr;
	case LAPIC_ESR:        return l->esr;
	case LAPIC_ICR_LO:     return l->icr_lo;
	case LAPIC_ICR_HI:     return l->icr_hi;
	case LAPIC_TIMER_INIT: return l->timer_initial;
	case LAPIC_TIMER_CUR:  return current_count(l, now_ns);
	case LAPIC_TIMER_DCR:  return l->dcr;
	default:               return 0;   /* EOI, RRD, reserved */
	}
}

static void write_lvt(struct lapic *l, unsigned i, uint32_t value)
{
	unsigned old_mode = timer_mode(l), new_mode;

	if (!(l->svr & LAPIC_SVR_ENABLE))
		value |= LAPIC_LVT_MASKED;   /* a software-disabled APIC keeps its LVTs masked */
	l->lvt[i] = (l->lvt[i] & ~lvt_writable[i]) | (value & lvt_writable[i]);
	new_mode = timer_mode(l);
	/* Entering or leaving TSC-deadline mode disarms the timer. */
	if (i == LVT_TIMER && old_mode != new_mode && (old_mode == LAPIC_TIMER_TSC || new_mode == LAPIC_TIMER_TSC)) {
		l->timer_running = false;
		l->timer_initial = 0;
		l->tsc_deadline_ns = 0;
	}
}

static void write_reg(struct lapic *l, uint64_t now_ns, unsigned reg, uint32_t value)
{
	uint32_t cur;

	if (reg >= LAPIC_LVT_TIMER && reg <= LAPIC_LVT_ERROR) {
		write_lvt(l, (reg - LAPIC_LVT_TIMER) >> 4, value);
		return;
	}
	switch (reg) {
	case LAPIC_TPR:
		l->tpr = value & 0xFF;
		break;
	case LAPIC_EOI:
		eoi(l);
		break;
	case LAPIC_LDR:
		l->ldr = value & 0xFF000000;
		break;
	case LAPIC_DFR:
		l->dfr = value | 0x0FFFFFFF;
		break;
	case LAPIC_SVR:
		l->svr = value & 0x3FF;   /* vector, APIC enable, focus check */
		if (!(l->svr & LAPIC_SVR_ENABLE))
			for (unsigned i = 0; i < LVT_COUNT; i++)
				l->lvt[i] |= LAPIC_LVT_MASKED;
		break;
	case LAPIC_ESR:   /* a write latches the errors seen since the last one */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case LAPIC_ICR_LO:
		l->icr_lo = value & ICR_WRITABLE;
		send_ipi(l);
		break;
	case LAPIC_ICR_HI:
		l->icr_hi = value & 0xFF000000;
		break;
	case LAPIC_TIMER_INIT:
		if (timer_mode(l) == LAPIC_TIMER_TSC)
			break;
		l->timer_initial = value;
		timer_start(l, now_ns, value);
		break;
	case LAPIC_TIMER_DCR:
		/* A new divisor applies from now on: restart from the current count. */
		cur = current_count(l, now_ns);
		l->dcr = value & 0x0B;
		if (l->timer_running && cur)
			timer_start(l, now_ns, cur);
		break;
	default:   /* read-only and reserved registers */
		break;
	}
}

uint64_t lapic_read(struct lapic *l, uint64_t now_ns, unsigned offset, unsigned size)
{
	uint64_t v;

	if (offset >= LAPIC_SIZE || (offset & 0xF) >= 4)
		return 0;
	v = read_reg(l, now_ns, offset & ~0xFu) >> (8 * (offset & 3));
	if (size < 4)
		v &= (1ull << (8 * size)) - 1;
	return v;
}

void lapic_write(struct lapic *l, uint64_t now_ns, unsigned offset, unsigned size, uint64_t value)
{
	if (offset >= LAPIC_SIZE || (offset & 0xF) || (size != 4 && size != 8))
		return;
	lapic_advance(l, now_ns);
	write_reg(l, now_ns, offset, (uint32_t)value);
}
