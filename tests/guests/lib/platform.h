/* The PC devices as the test guests drive them: i8259 PICs, i8254 PIT, CMOS RTC, ACPI PM timer, local APIC
 * (xAPIC MMIO at its reset address) and IOAPIC. Written to the standard hardware behaviour, nothing Keel
 * specific. The APIC functions need the APIC pages reachable at their physical addresses. */
#ifndef GUEST_PLATFORM_H
#define GUEST_PLATFORM_H

#include <stdint.h>

#define PIT_HZ 1193182u
#define PM_TIMER_HZ 3579545u
#define LAPIC_BASE 0xfee00000u
#define IOAPIC_BASE 0xfec00000u

#define LAPIC_ID 0x20
#define LAPIC_VERSION 0x30
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ISR 0x100
#define LAPIC_IRR 0x200
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_MASKED (1u << 16)
#define ICR_SELF (1u << 18)
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_NMI (4u << 8)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_ASSERT (1u << 14)
#define ICR_PENDING (1u << 12)

/* Remaps the PIC pair to base1/base2 (8 vectors each) and masks every line. */
void pic_init(uint8_t base1, uint8_t base2);
/* Bit n masks IRQ n (0-15). */
void pic_set_mask(uint16_t mask);
void pic_eoi(unsigned irq);

/* Channel 0 as a rate generator (mode 2) with the given divisor; IRQ0 at 1193182/divisor Hz. */
void pit_periodic(uint16_t divisor);
/* Channel 0 in mode 0 with no count loaded: no more interrupts. */
void pit_stop(void);

uint8_t cmos_read(uint8_t index);
void cmos_write(uint8_t index, uint8_t value);

/* The ACPI PM timer at 0x608 (3.579545 MHz); differences are taken on 24 bits, good for 4.6 s. */
uint32_t pm_timer(void);
uint32_t pm_elapsed_us(uint32_t since);
void pm_delay_us(uint32_t us);

uint32_t lapic_read(unsigned reg);
void lapic_write(unsigned reg, uint32_t v);
/* Software-enables the local APIC (spurious vector 0xff, TPR 0); on the BSP LINT0 becomes ExtINT (virtual
 * wire, so the PIC still reaches the CPU) and LINT1 NMI; on an AP both are masked. */
void lapic_enable(int bsp);
void lapic_eoi(void);
uint32_t lapic_id(void);
/* Sends an IPI: dest is an APIC ID (ignored with a shorthand), low is the ICR low word. */
void lapic_ipi(uint32_t dest, uint32_t low);
/* Measures the timer (divide by 16) against the PM timer over ms milliseconds: ticks per millisecond. */
uint32_t lapic_timer_ticks_per_ms(unsigned ms);

uint32_t ioapic_read(unsigned reg);
void ioapic_write(unsigned reg, uint32_t v);
/* Programs a redirection entry: fixed delivery, edge, active high, physical destination. */
void ioapic_route(unsigned pin, uint8_t vector, uint8_t dest, int masked);

/* Waits with HLT until *counter reaches target (at most max_wakeups wake-ups); leaves interrupts enabled.
 * Returns 1 if reached. */
int wait_for(volatile unsigned *counter, unsigned target, unsigned max_wakeups);

#endif
