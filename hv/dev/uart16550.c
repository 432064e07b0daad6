/* The 16550A UART: register semantics, receive FIFO, interrupt priority and identification, loopback. */
#include "uart16550.h"

#include <string.h>

static const uint8_t rx_trigger[4] = { 1, 4, 8, 14 };   /* FCR bits 7-6 */

static unsigned rx_capacity(const struct uart16550 *u)
{
	return (u->fcr & UART16550_FCR_ENABLE) ? UART16550_FIFO : 1;
}

/* The modem inputs (MSR bits 7-4): in loopback they are wired to the MCR outputs (DTR->DSR, RTS->CTS,
 * OUT1->RI, OUT2->DCD); otherwise a terminal is attached with CTS, DSR and DCD asserted. */
static uint8_t modem_inputs(const struct uart16550 *u)
{
	uint8_t m = u->mcr;

	if (!(m & UART16550_MCR_LOOP))
		return UART16550_MSR_CTS | UART16550_MSR_DSR | UART16550_MSR_DCD;
	return (uint8_t)(((m & UART16550_MCR_RTS) ? UART16550_MSR_CTS : 0) |
			 ((m & UART16550_MCR_DTR) ? UART16550_MSR_DSR : 0) |
			 ((m & UART16550_MCR_OUT1) ? UART16550_MSR_RI : 0) |
			 ((m & UART16550_MCR_OUT2) ? UART16550_MSR_DCD : 0));
}

/* The highest-priority enabled interrupt source as an IIR identification, or IIR_NO_INT. The character
 * timeout fires as soon as data sits below the trigger level: the console delivers bursts, and a guest waiting
 * four character times for the rest of a burst that already arrived would only add latency. */
static uint8_t interrupt_id(const struct uart16550 *u)
{
	if ((u->ier & UART16550_IER_RLSI) && u->lsr_errors)
		return UART16550_IIR_RLSI;
	if ((u->ier & UART16550_IER_RDI) && u->rx_count) {
		if (!(u->fcr & UART16550_FCR_ENABLE) || u->rx_count >= rx_trigger[u->fcr >> 6])
			return UART16550_IIR_RDI;
		return UART16550_IIR_CTI;
	}
	if ((u->ier & UART16550_IER_THRI) && u->thre_pending)
		return UART16550_IIR_THRI;
	if ((u->ier & UART16550_IER_MSI) && u->msr_delta)
		return UART16550_IIR_MSI;
	return UART16550_IIR_NO_INT;
}

static void update_irq(struct uart16550 *u)
{
	bool level = interrupt_id(u) != UART16550_IIR_NO_INT && (u->mcr & UART16550_MCR_OUT2) &&
		     !(u->mcr & UART16550_MCR_LOOP);

	if (level != u->irq_level) {
		u->irq_level = level;
		dev_irq_set(&u->irq, level);
	}
}

static bool rx_push(struct uart16550 *u, uint8_t byte)
{
	if (u->rx_count >= rx_capacity(u))
		return false;
	u->rx[(u->rx_head + u->rx_count) % UART16550_FIFO] = byte;
	u->rx_count++;
	return true;
}

void uart16550_init(struct uart16550 *u, void (*tx)(void *ctx, uint8_t byte), void *tx_ctx,
		    struct dev_irq_line irq)
{
	memset(u, 0, sizeof(*u));
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	u->irq = irq;
	u->divisor = 12;
}

static uint8_t read_byte(struct uart16550 *u, unsigned offset)
{
	uint8_t v;

	switch (offset) {
	case UART16550_RBR:
		if (u->lcr & UART16550_LCR_DLAB)
			return (uint8_t)u->divisor;
		if (!u->rx_count)
			return 0;
		v = u->rx[u->rx_head];
		u->rx_head = (uint8_t)((u->rx_head + 1) % UART16550_FIFO);
		u->rx_count--;
		return v;
	case UART16550_IER:
		if (u->lcr & UART16550_LCR_DLAB)
			return (uint8_t)(u->divisor >> 8);
		return u->ier;
	case UART16550_IIR:
		v = interrupt_id(u);
		/* Reading IIR while it reports THR empty is the acknowledgement of that interrupt. */
		if (v == UART16550_IIR_THRI)
			u->thre_pending = false;
		return (uint8_t)(v | ((u->fcr & UART16550_FCR_ENABLE) ? UART16550_IIR_FIFO : 0));
	case UART16550_LCR:
		return u->lcr;
	case UART16550_MCR:
		return u->mcr;
	case UART16550_LSR:
		v = (uint8_t)(UART16550_LSR_THRE | UART16550_LSR_TEMT | u->lsr_errors |
			      (u->rx_count ? UART16550_LSR_DR : 0));
		u->lsr_errors = 0;
		return v;
	case UART16550_MSR:
		v = (uint8_t)(modem_inputs(u) | u->msr_delta);
		u->msr_delta = 0;
		return v;
	default:   /* UART16550_SCR */
		return u->scr;
	}
}

static void write_mcr(struct uart16550 *u, uint8_t value)
{
	uint8_t before = modem_inputs(u), after, changed;

	u->mcr = value & 0x1F;
	after = modem_inputs(u);
	changed = before ^ after;
	/* Delta bits: DCTS, DDSR, DDCD on any change; TERI only when RI goes from on to off. */
	u->msr_delta |= (uint8_t)(((changed & UART16550_MSR_CTS) ? 0x01 : 0) |
				  ((changed & UART16550_MSR_DSR) ? 0x02 : 0) |
				  ((before & ~after & UART16550_MSR_RI) ? 0x04 : 0) |
				  ((changed & UART16550_MSR_DCD) ? 0x08 : 0));
}

static void write_byte(struct uart16550 *u, unsigned offset, uint8_t value)
{
	switch (offset) {
	case UART16550_RBR:
		if (u->lcr & UART16550_LCR_DLAB) {
			u->divisor = (uint16_t)((u->divisor & 0xFF00) | value);
			break;
		}
		if (u->mcr & UART16550_MCR_LOOP) {
			if (!rx_push(u, value))
				u->lsr_errors |= UART16550_LSR_OE;
		} else if (u->tx) {
			u->tx(u->tx_ctx, value);
		}
		/* The byte left at once: THR is empty again and says so. */
		u->thre_pending = true;
		break;
	case UART16550_IER:
		if (u->lcr & UART16550_LCR_DLAB) {
			u->divisor = (uint16_t)((u->divisor & 0x00FF) | (value << 8));
			break;
		}
		u->ier = value & 0x0F;
		/* Enabling ETBEI while THR is empty (always, here) raises THR empty: Linux's 8250 relies on it. */
		if (u->ier & UART16550_IER_THRI)
			u->thre_pending = true;
		break;
	case UART16550_IIR:   /* FCR */
		if ((value ^ u->fcr) & UART16550_FCR_ENABLE)
			u->rx_count = 0;   /* toggling the FIFO enable clears both FIFOs */
		if (value & UART16550_FCR_CLEAR_RX)
			u->rx_count = 0;
		u->fcr = value & 0xC9;   /* enable, DMA mode, trigger level; the clear bits self-clear */
		break;
	case UART16550_LCR:
		u->lcr = value;
		break;
	case UART16550_MCR:
		write_mcr(u, value);
		break;
	case UART16550_SCR:
		u->scr = value;
		break;
	default:   /* LSR and MSR are read-only here (factory test writes ignored) */
		break;
	}
}

uint64_t uart16550_read(struct uart16550 *u, unsigned offset, unsigned size)
{
	uint64_t v = 0;

	if (size > 8)
		size = 8;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)(offset < UART16550_PORTS && i < UART16550_PORTS - offset ? read_byte(u, offset + i)
											  : 0xFF) << (8 * i);
	update_irq(u);
	return v;
}

void uart16550_write(struct uart16550 *u, unsigned offset, unsigned size, uint64_t value)
{
	if (size > 8)
		size = 8;
	for (unsigned i = 0; i < size && offset < UART16550_PORTS && i < UART16550_PORTS - offset; i++)
		write_byte(u, offset + i, (uint8_t)(value >> (8 * i)));
	update_irq(u);
}

bool uart16550_receive(struct uart16550 *u, uint8_t byte)
{
	if ((u->mcr & UART16550_MCR_LOOP) || !rx_push(u, byte))
		return false;
	update_irq(u);
	return true;
}

bool uart16550_rx_space(const struct uart16550 *u)
{
	return !(u->mcr & UART16550_MCR_LOOP) && u->rx_count < rx_capacity(u);
}
