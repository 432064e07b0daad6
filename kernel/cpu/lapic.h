/* The local APIC (xAPIC, memory-mapped): EOI, IPIs, and the periodic timer that drives preemption. */
#ifndef KERNEL_CPU_LAPIC_H
#define KERNEL_CPU_LAPIC_H

#include <stdint.h>

#define VECTOR_TIMER 0xf0
#define VECTOR_RESCHEDULE 0xf1
#define VECTOR_SPURIOUS 0xff

/* Enables this CPU's LAPIC (address from ACPI or the APIC base MSR). */
void lapic_enable(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint8_t page);
/* NMI to every other CPU: the panic path's way to stop them. */
void lapic_send_nmi_others(void);
/* Starts the periodic timer at hz on this CPU; the first call measures the LAPIC clock against the TSC. */
void lapic_timer_start(unsigned hz);

#endif
