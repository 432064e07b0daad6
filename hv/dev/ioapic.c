/* The I/O APIC: indirect register access, redirection entries and the edge/level delivery rules. */
#include "ioapic.h"

#include <string.h>

/* Bits a guest may write: vector, delivery mode, destination mode, polarity, trigger, mask, destination. */
#define RTE_WRITABLE (0xFFull | (7ull << 8) | IOAPIC_RTE_LOGICAL | IOAPIC_RTE_ACTIVE_LOW | IOAPIC_RTE_LEVEL | \
		      IOAPIC_RTE_MASKED | (0xFFull << IOAPIC_RTE_DEST_SHIFT))

/* Level semantics (remote IRR, redelivery) apply to fixed and lowest-priority entries; SMI, NMI, INIT and
 * ExtINT are always edge-triggered whatever the trigger bit says. */
static bool is_level(uint64_t e)
{
	unsigned dm = (e >> IOAPIC_RTE_DM_SHIFT) & 7;

	return (e & IOAPIC_RTE_LEVEL) && (dm == IOAPIC_DM_FIXED || dm == IOAPIC_DM_LOWEST);
}

static void send(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];
	bool level = is_level(e);

	/* Remote IRR: a local APIC accepted the level interrupt and will EOI it. */
	if (level)
		io->redir[pin] |= IOAPIC_RTE_REMOTE_IRR;
	if (io->deliver)
		io->deliver(io->ctx, (uint8_t)(e >> IOAPIC_RTE_DEST_SHIFT), e & IOAPIC_RTE_LOGICAL,
			    (uint8_t)((e >> IOAPIC_RTE_DM_SHIFT) & 7), (uint8_t)(e & IOAPIC_RTE_VECTOR), level);
}

/* Delivers a level entry whose condition holds: asserted, unmasked, no remote IRR. */
static void check_level(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];

	if (is_level(e) && !(e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) && (io->asserted & (1u << pin)))
		send(io, pin);
}

void ioapic_init(struct ioapic *io, uint8_t id,
		 void (*deliver)(void *ctx, uint8_t dest, bool logical, uint8_t delivery_mode, uint8_t vector,
				 bool level),
		 void *ctx)
{
	memset(io, 0, sizeof(*io));
	io->deliver = deliver;
	io->ctx = ctx;
	io->id = id & 0x0F;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = IOAPIC_RTE_MASKED;
}

static uint32_t read_indirect(const struct ioapic *io)
{
	unsigned r = io->regsel;

	switch (r) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return io->id << 24;
	case IOAPIC_REG_VER:
		return (IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	default:
		if (r < IOAPIC_REG_REDIR || r >= IOAPIC_REG_REDIR + 2 * IOAPIC_PINS)
			return 0;
		return (uint32_t)(io->redir[(r - IOAPIC_REG_REDIR) / 2] >> (r & 1 ? 32 : 0));
	}
}

static void write_indirect(struct ioapic *io, uint32_t value)
{
	unsigned r = io->regsel, pin;
	uint64_t e, mask;

	if (r == IOAPIC_REG_ID) {
		io->id = (value >> 24) & 0x0F;
		return;
	}
	if (r < IOAPIC_REG_REDIR || r >= IOAPIC_REG_REDIR + 2 * IOAPIC_PINS)
		return;
	pin = (r - IOAPIC_REG_REDIR) / 2;
	mask = (r & 1) ? RTE_WRITABLE & 0xFFFFFFFF00000000ull : RTE_WRITABLE & 0xFFFFFFFFull;
	e = io->redir[pin];
	e = (e & ~mask) | (((uint64_t)value << (r & 1 ? 32 : 0)) & mask);
	/* An edge entry has no remote IRR: switching to edge clears it (Linux relies on this to unstick a level
	 * interrupt on IOAPICs without an EOI register). */
	if (!is_level(e))
		e &= ~IOAPIC_RTE_REMOTE_IRR;
	io->redir[pin] = e;
	check_level(io, pin);
}

uint64_t ioapic_read(struct ioapic *io, unsigned offset, unsigned size)
{
	uint32_t reg;
	uint64_t v;

	if (offset >= IOAPIC_SIZE)
		return 0;
	switch (offset & ~3u) {
	case IOAPIC_REGSEL:
		reg = io->regsel;
		break;
	case IOAPIC_WIN:
		reg = read_indirect(io);
		break;
	default:
		return 0;
	}
	v = reg >> (8 * (offset & 3));
	if (size < 4)
		v &= (1ull << (8 * size)) - 1;
	return v;
}

void ioapic_write(struct ioapic *io, unsigned offset, unsigned size, uint64_t value)
{
	if (offset == IOAPIC_REGSEL && size >= 1)
		io->regsel = (uint8_t)value;
	else if (offset == IOAPIC_WIN && (size == 4 || size == 8))
		write_indirect(io, (uint32_t)value);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
	uint32_t bit;
	bool was;

	if (pin >= IOAPIC_PINS)
		return;
	bit = 1u << pin;
	was = io->asserted & bit;
	if (level)
		io->asserted |= bit;
	else
		io->asserted &= ~bit;
	if (is_level(io->redir[pin]))
		check_level(io, pin);
	else if (level && !was && !(io->redir[pin] & IOAPIC_RTE_MASKED))
		send(io, pin);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = io->redir[pin];

		if ((e & IOAPIC_RTE_REMOTE_IRR) && (uint8_t)(e & IOAPIC_RTE_VECTOR) == vector) {
			io->redir[pin] = e & ~IOAPIC_RTE_REMOTE_IRR;
			check_level(io, pin);
		}
	}
}
