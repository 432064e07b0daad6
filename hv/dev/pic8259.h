/* The PC's pair of 8259A interrupt controllers (master at ports 0x20-0x21, slave at 0xA0-0xA1 cascaded on the
 * master's IRQ 2) and the PIIX edge/level control registers (ELCR) at 0x4D0-0x4D1. Fixed priority (IRQ 0
 * highest; the slave's 8-15 sit at the master's 2); rotation and special mask mode are accepted and ignored. */
#ifndef KEEL_HV_DEV_PIC8259_H
#define KEEL_HV_DEV_PIC8259_H

#include <stdbool.h>
#include <stdint.h>

#include "dev.h"

/* The three port windows, each 2 ports long, and their bases on a PC. */
#define PIC8259_WIN_MASTER 0u
#define PIC8259_WIN_SLAVE  1u
#define PIC8259_WIN_ELCR   2u
#define PIC8259_MASTER_PORT 0x20
#define PIC8259_SLAVE_PORT  0xA0
#define PIC8259_ELCR_PORT   0x4D0
#define PIC8259_CASCADE_IRQ 2

struct pic8259_chip {
	uint8_t irr, isr, imr;
	uint8_t elcr;        /* 1 = level-triggered input */
	uint8_t lines;       /* input levels as last set */
	uint8_t base;        /* vector base from ICW2 */
	uint8_t init_step;   /* 0 = initialized; 2, 3, 4 = next ICW expected */
	bool icw4_needed, single, ltim, auto_eoi;
	bool read_isr;       /* OCW3: port 0 reads ISR instead of IRR */
	bool poll;           /* OCW3 poll command: the next port 0 read is a poll */
};

struct pic8259 {
	struct pic8259_chip chip[2];   /* 0 = master, 1 = slave */
	struct dev_irq_line intr;      /* the master's INTR output to the CPU */
	bool intr_level;
};

/* Resets both chips as at power-on: uninitialized (vector bases 0x08 and 0x70 like a PC BIOS leaves them, all
 * IRQs masked), every line edge-triggered. intr is driven high while the master has an interrupt to deliver. */
void pic8259_init(struct pic8259 *pic, struct dev_irq_line intr);

/* A guest read of size bytes at offset in window PIC8259_WIN_* (byte by byte; bytes outside the 2-port window
 * or an unknown window read 0xFF). Port 0 reads IRR, ISR or a poll result as OCW3 chose; port 1 reads IMR. */
uint64_t pic8259_read(struct pic8259 *pic, unsigned window, unsigned offset, unsigned size);

/* A guest write: ICW1-4, OCW1-3 on the chips; the ELCR bits of IRQ 0, 1, 2, 8 and 13 stay 0 (always edge). */
void pic8259_write(struct pic8259 *pic, unsigned window, unsigned offset, unsigned size, uint64_t value);

/* Drives input irq (0-15; others and the cascade input 2 are ignored) to level. An edge-triggered input
 * latches a request on its rising edge; a level-triggered one requests while it is high. */
void pic8259_set_irq(struct pic8259 *pic, unsigned irq, bool level);

/* The vector an INTA cycle would return now (a slave's spurious IRQ 15 included), or -1 when the master has
 * nothing to deliver. No side effect. */
int pic8259_pending_vector(const struct pic8259 *pic);

/* The INTA cycle: returns the vector of the highest-priority request and moves it from IRR to ISR (not in
 * auto-EOI mode). With nothing left, returns the spurious IRQ 7 vector (or 15 when the cascade had nothing)
 * and sets no ISR bit of that chip. */
int pic8259_acknowledge(struct pic8259 *pic);

#endif
