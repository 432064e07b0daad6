/* One vCPU's local APIC in xAPIC mode (MMIO page at 0xFEE00000): ID, version, TPR/APR/PPR, EOI, LDR/DFR,
 * SVR, ISR/TMR/IRR, ESR, the ICR (IPIs leave through a callback the VM routes), the six LVT entries and the timer
 * in one-shot, periodic and TSC-deadline modes at a configured bus frequency. INIT, SIPI and NMI arrivals are
 * left as pending events for the vCPU layer to take. */
#ifndef KEEL_HV_DEV_LAPIC_H
#define KEEL_HV_DEV_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "dev.h"

#define LAPIC_BASE            0xFEE00000ull
#define LAPIC_SIZE            0x1000
#define LAPIC_VERSION         0x00050014u   /* version 0x14, max LVT entry 5 (six LVTs, no CMCI) */
#define LAPIC_DEFAULT_TIMER_HZ 1000000000ull /* 1 GHz bus clock, divided by the divide configuration */
#define LAPIC_MAX_TIMER_HZ    10000000000ull

/* Register offsets. */
#define LAPIC_ID      0x020
#define LAPIC_VER     0x030
#define LAPIC_TPR     0x080
#define LAPIC_APR     0x090
#define LAPIC_PPR     0x0A0
#define LAPIC_EOI     0x0B0
#define LAPIC_RRD     0x0C0
#define LAPIC_LDR     0x0D0
#define LAPIC_DFR     0x0E0
#define LAPIC_SVR     0x0F0
#define LAPIC_ISR     0x100   /* 8 registers, 0x10 apart */
#define LAPIC_TMR     0x180
#define LAPIC_IRR     0x200
#define LAPIC_ESR     0x280
#define LAPIC_ICR_LO  0x300
#define LAPIC_ICR_HI  0x310
#define LAPIC_LVT_TIMER   0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF    0x340
#define LAPIC_LVT_LINT0   0x350
#define LAPIC_LVT_LINT1   0x360
#define LAPIC_LVT_ERROR   0x370
#define LAPIC_TIMER_INIT  0x380
#define LAPIC_TIMER_CUR   0x390
#define LAPIC_TIMER_DCR   0x3E0

#define LAPIC_SVR_ENABLE   0x100
#define LAPIC_LVT_MASKED   (1u << 16)
#define LAPIC_TIMER_ONESHOT  0u   /* LVT timer bits 18-17 */
#define LAPIC_TIMER_PERIODIC 1u
#define LAPIC_TIMER_TSC      2u
#define LAPIC_ESR_SEND_VECTOR 0x20
#define LAPIC_ESR_RECV_VECTOR 0x40

/* Delivery modes (ICR bits 8-10, as in the IOAPIC). */
#define LAPIC_DM_FIXED  0
#define LAPIC_DM_LOWEST 1
#define LAPIC_DM_SMI    2
#define LAPIC_DM_NMI    4
#define LAPIC_DM_INIT   5
#define LAPIC_DM_SIPI   6
#define LAPIC_DM_EXTINT 7

/* Destination shorthands (ICR bits 18-19). */
#define LAPIC_SH_NONE        0
#define LAPIC_SH_SELF        1
#define LAPIC_SH_ALL         2
#define LAPIC_SH_ALL_BUT_SELF 3

/* An interprocessor interrupt as written to the ICR. */
struct lapic_ipi {
	uint8_t source_id;       /* APIC ID of the sender */
	uint8_t vector;
	uint8_t delivery_mode;   /* LAPIC_DM_* */
	uint8_t shorthand;       /* LAPIC_SH_* */
	uint8_t dest;            /* ICR bits 56-63, meaningful with LAPIC_SH_NONE */
	bool logical;
	bool level;              /* trigger mode level (ICR bit 15) */
};

struct lapic_config {
	uint8_t id;              /* the APIC ID (read-only to the guest) */
	uint64_t timer_hz;       /* bus clock before division; 0 = LAPIC_DEFAULT_TIMER_HZ, at most LAPIC_MAX_TIMER_HZ */
	/* Routes an IPI to its targets (this APIC included for self and all): typically lapic_ipi_targets and
	 * lapic_deliver on each vCPU's APIC. May call back into this APIC. */
	void (*send_ipi)(void *ctx, const struct lapic_ipi *ipi);
	/* A level-triggered interrupt was EOIed: broadcast it to the IOAPIC (ioapic_eoi). */
	void (*eoi)(void *ctx, uint8_t vector);
	void *ctx;
};

struct lapic {
	struct lapic_config cfg;
	uint32_t tpr, ldr, dfr, svr, esr, esr_pending, icr_lo, icr_hi, dcr;
	uint32_t lvt[6];                     /* timer, thermal, perf, LINT0, LINT1, error */
	uint32_t irr[8], isr[8], tmr[8];
	uint32_t timer_initial;
	uint32_t timer_first;                /* count at timer_start_ns (the initial count or a rebased one) */
	uint64_t timer_start_ns;
	uint64_t timer_fired;                /* expiries accounted since timer_start_ns */
	bool timer_running;
	uint64_t tsc_deadline_ns;            /* 0 = disarmed */
	bool nmi_pending, init_pending;
	int sipi_vector;                     /* -1 = none */
};

/* Puts the APIC in its power-on state: software-disabled (SVR 0xFF), every LVT masked, DFR flat, timer stopped,
 * divide by 2. */
void lapic_init(struct lapic *l, const struct lapic_config *cfg);

/* A guest access at 0xFEE00000 + offset. Registers are 32-bit at 16-byte steps: reads of other sizes return the
 * bytes of the register they fall in; writes take effect only as 4- or 8-byte (low half) writes at a register's
 * start. Reserved and write-only registers read 0. A write first fires a timer that is due. */
uint64_t lapic_read(struct lapic *l, uint64_t now_ns, unsigned offset, unsigned size);
void lapic_write(struct lapic *l, uint64_t now_ns, unsigned offset, unsigned size, uint64_t value);

/* Whether an interrupt message for dest (physical APIC ID or 0xFF broadcast; logical: flat or cluster model as
 * DFR says) is for this APIC. */
bool lapic_match_dest(const struct lapic *l, uint8_t dest, bool logical);

/* Whether ipi (shorthand and destination) targets APIC l. */
bool lapic_ipi_targets(const struct lapic *l, const struct lapic_ipi *ipi);

/* An interrupt message arriving (from an IPI or the IOAPIC): fixed and lowest-priority set IRR (see
 * lapic_accept_interrupt), NMI and SIPI become pending events, INIT resets the APIC (but its ID) and becomes
 * pending; SMI and ExtINT are ignored. */
void lapic_deliver(struct lapic *l, uint8_t delivery_mode, uint8_t vector, bool level);

/* Sets the IRR bit of vector, and its TMR bit to level. Dropped while the APIC is software-disabled; vectors
 * 0-15 are illegal (ESR receive error). */
void lapic_accept_interrupt(struct lapic *l, uint8_t vector, bool level);

/* The highest vector in IRR whose priority class is above PPR's, or -1. */
int lapic_pending_vector(const struct lapic *l);

/* The interrupt was injected: moves vector from IRR to ISR (nothing when it is not in IRR). */
void lapic_acknowledge(struct lapic *l, uint8_t vector);

/* IA32_TSC_DEADLINE as a guest time: arms the timer for deadline_ns (0 disarms) when the LVT timer is in
 * TSC-deadline mode, ignored otherwise. A deadline already past fires at once. */
void lapic_write_tsc_deadline(struct lapic *l, uint64_t now_ns, uint64_t deadline_ns);
/* The armed deadline, 0 once it fired or when disarmed. */
uint64_t lapic_read_tsc_deadline(const struct lapic *l);

/* When the timer next fires an unmasked interrupt; UINT64_MAX when stopped or masked. */
uint64_t lapic_next_deadline(const struct lapic *l);

/* Fires the timer if it is due at now_ns (periods missed in between are coalesced into one interrupt). */
void lapic_advance(struct lapic *l, uint64_t now_ns);

/* Pending events for the vCPU layer, each cleared by taking it: an NMI; an INIT (reset the vCPU and wait for
 * SIPI); a SIPI's vector (start at vector << 12 in real mode), -1 when none. */
bool lapic_take_nmi(struct lapic *l);
bool lapic_take_init(struct lapic *l);
int lapic_take_sipi(struct lapic *l);

/* Whether LINT0 passes the PIC's INTR to the CPU (unmasked, ExtINT delivery mode): the vCPU then takes vectors
 * from pic8259_acknowledge. */
bool lapic_extint_enabled(const struct lapic *l);

#endif
