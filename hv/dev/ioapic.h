/* The I/O APIC (version 0x11, 24 pins) at MMIO 0xFEC00000: the IOREGSEL/IOWIN window, ID, version and
 * arbitration registers, 24 redirection entries, edge and level delivery with remote IRR cleared by the local
 * APICs' EOI broadcast. Pin levels are logical (asserted or not): the polarity bit is kept for the guest but the
 * devices are wired as the guest's tables say, so it does not invert anything. */
#ifndef KEEL_HV_DEV_IOAPIC_H
#define KEEL_HV_DEV_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_BASE    0xFEC00000ull
#define IOAPIC_SIZE    0x1000
#define IOAPIC_PINS    24
#define IOAPIC_VERSION 0x11

#define IOAPIC_REGSEL 0x00   /* MMIO offsets */
#define IOAPIC_WIN    0x10

#define IOAPIC_REG_ID    0x00   /* indirect registers */
#define IOAPIC_REG_VER   0x01
#define IOAPIC_REG_ARB   0x02
#define IOAPIC_REG_REDIR 0x10   /* entry n: low half at 0x10 + 2n, high half at 0x11 + 2n */

/* Redirection entry fields. */
#define IOAPIC_RTE_VECTOR      0xFFull
#define IOAPIC_RTE_DM_SHIFT    8          /* delivery mode, bits 8-10: IOAPIC_DM_* */
#define IOAPIC_RTE_LOGICAL     (1ull << 11)
#define IOAPIC_RTE_PENDING     (1ull << 12)
#define IOAPIC_RTE_ACTIVE_LOW  (1ull << 13)
#define IOAPIC_RTE_REMOTE_IRR  (1ull << 14)
#define IOAPIC_RTE_LEVEL       (1ull << 15)
#define IOAPIC_RTE_MASKED      (1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT  56

#define IOAPIC_DM_FIXED    0
#define IOAPIC_DM_LOWEST   1
#define IOAPIC_DM_SMI      2
#define IOAPIC_DM_NMI      4
#define IOAPIC_DM_INIT     5
#define IOAPIC_DM_EXTINT   7

struct ioapic {
	/* Sends one interrupt message to the local APICs named by dest (physical APIC ID, or a logical mask when
	 * logical); level is the trigger mode. Must not call back into the IOAPIC (an EOI comes later, from the
	 * guest). */
	void (*deliver)(void *ctx, uint8_t dest, bool logical, uint8_t delivery_mode, uint8_t vector, bool level);
	void *ctx;
	uint32_t id;             /* bits 24-27 of the ID register */
	uint8_t regsel;
	uint32_t asserted;       /* pin levels */
	uint64_t redir[IOAPIC_PINS];
};

/* Resets the IOAPIC: ID as given (0-15), every entry masked, edge, vector 0. */
void ioapic_init(struct ioapic *io, uint8_t id,
		 void (*deliver)(void *ctx, uint8_t dest, bool logical, uint8_t delivery_mode, uint8_t vector,
				 bool level),
		 void *ctx);

/* A guest access at base + offset. The registers are 32-bit: a read of another size returns the bytes of the
 * 32-bit register it falls in (8-byte reads return it zero-extended); writes reach IOREGSEL at offset 0 with any
 * size and IOWIN only as 4- or 8-byte writes at offset 0x10 (the low 32 bits). Other offsets read 0. Reserved
 * indirect registers read 0 and ignore writes. */
uint64_t ioapic_read(struct ioapic *io, unsigned offset, unsigned size);
void ioapic_write(struct ioapic *io, unsigned offset, unsigned size, uint64_t value);

/* Drives pin (0-23; others ignored) to level. An edge entry delivers on a rising edge while unmasked (masked
 * edges are lost); a level entry (fixed or lowest-priority mode; the other modes are always edge) delivers while
 * asserted, unmasked and remote IRR clear, then sets remote IRR. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);

/* The EOI broadcast of a local APIC for vector: clears remote IRR of every level entry with that vector, and
 * delivers again the ones whose pin is still asserted. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

#endif
