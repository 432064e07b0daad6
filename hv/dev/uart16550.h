/* The 16550A UART model (COM1 at port 0x3F8, IRQ 4): registers, the 16-byte receive FIFO, interrupt
 * identification and the modem lines. Transmission is instantaneous: each byte written to THR leaves at once
 * through the tx callback, so THR and the transmitter are always empty. */
#ifndef KEEL_HV_DEV_UART16550_H
#define KEEL_HV_DEV_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#include "dev.h"

#define UART16550_COM1_PORT 0x3F8
#define UART16550_COM1_IRQ  4
#define UART16550_PORTS     8     /* registers at base + 0..7 */
#define UART16550_FIFO      16

/* Register offsets (DLAB selects DLL/DLM at 0 and 1). */
#define UART16550_RBR 0   /* read: receive buffer; write: THR */
#define UART16550_IER 1
#define UART16550_IIR 2   /* read: IIR; write: FCR */
#define UART16550_LCR 3
#define UART16550_MCR 4
#define UART16550_LSR 5
#define UART16550_MSR 6
#define UART16550_SCR 7

#define UART16550_IER_RDI  0x01   /* received data available (and character timeout) */
#define UART16550_IER_THRI 0x02   /* THR empty */
#define UART16550_IER_RLSI 0x04   /* receiver line status */
#define UART16550_IER_MSI  0x08   /* modem status */

#define UART16550_IIR_NO_INT 0x01
#define UART16550_IIR_MSI    0x00
#define UART16550_IIR_THRI   0x02
#define UART16550_IIR_RDI    0x04
#define UART16550_IIR_RLSI   0x06
#define UART16550_IIR_CTI    0x0C   /* character timeout */
#define UART16550_IIR_FIFO   0xC0   /* FIFOs enabled */

#define UART16550_FCR_ENABLE   0x01
#define UART16550_FCR_CLEAR_RX 0x02
#define UART16550_FCR_CLEAR_TX 0x04

#define UART16550_LCR_DLAB 0x80

#define UART16550_MCR_DTR  0x01
#define UART16550_MCR_RTS  0x02
#define UART16550_MCR_OUT1 0x04
#define UART16550_MCR_OUT2 0x08   /* gates the IRQ line on PCs */
#define UART16550_MCR_LOOP 0x10

#define UART16550_LSR_DR   0x01
#define UART16550_LSR_OE   0x02
#define UART16550_LSR_THRE 0x20
#define UART16550_LSR_TEMT 0x40

#define UART16550_MSR_CTS 0x10
#define UART16550_MSR_DSR 0x20
#define UART16550_MSR_RI  0x40
#define UART16550_MSR_DCD 0x80

struct uart16550 {
	void (*tx)(void *ctx, uint8_t byte);
	void *tx_ctx;
	struct dev_irq_line irq;
	bool irq_level;            /* what irq was last driven to */

	uint8_t rx[UART16550_FIFO];
	uint8_t rx_head, rx_count;
	uint8_t ier, lcr, mcr, lsr_errors, msr_delta, scr, fcr;
	uint16_t divisor;
	bool thre_pending;         /* THR-empty interrupt raised and not yet taken */
};

/* Resets the UART to its power-on state (all interrupts off, FIFO disabled, divisor 12 = 9600 baud). tx receives
 * every byte the guest transmits outside loopback mode; irq is driven high while an enabled interrupt is
 * pending and MCR.OUT2 is set (outside loopback). */
void uart16550_init(struct uart16550 *u, void (*tx)(void *ctx, uint8_t byte), void *tx_ctx,
		    struct dev_irq_line irq);

/* A guest read of size bytes at base + offset; each byte is read from consecutive registers (offsets beyond 7
 * read 0xFF). Reading RBR pops the FIFO, IIR acknowledges a THR-empty interrupt, LSR clears overrun, MSR clears
 * the delta bits. */
uint64_t uart16550_read(struct uart16550 *u, unsigned offset, unsigned size);

/* A guest write of size bytes at base + offset, byte by byte to consecutive registers. */
void uart16550_write(struct uart16550 *u, unsigned offset, unsigned size, uint64_t value);

/* Delivers one byte from the outside (the console) into the receive FIFO. Returns false, taking nothing, when
 * the FIFO (one byte with FIFOs disabled) is full or the UART is in loopback mode: retry later. */
bool uart16550_receive(struct uart16550 *u, uint8_t byte);

/* Whether uart16550_receive would take a byte now. */
bool uart16550_rx_space(const struct uart16550 *u);

#endif
