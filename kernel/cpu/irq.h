/* Interrupt handlers by vector, and ISA interrupts routed through the IOAPIC. */
#ifndef KERNEL_CPU_IRQ_H
#define KERNEL_CPU_IRQ_H

#include <stdint.h>

typedef void (*irq_handler_fn)(void *ctx);

/* IOAPIC interrupts use vectors IRQ_VECTOR_BASE + GSI. */
#define IRQ_VECTOR_BASE 0x30

/* Masks the legacy PICs and every IOAPIC input; call once on the boot CPU. */
void irq_init(void);
void irq_register_vector(uint8_t vector, irq_handler_fn fn, void *ctx);
/* Routes ISA IRQ n (after ACPI overrides) to the boot CPU and installs fn for it. */
void irq_register_isa(unsigned isa_irq, irq_handler_fn fn, void *ctx);
/* Runs the handler for vector and acknowledges it; called by trap_entry. */
void irq_dispatch(uint8_t vector);

#endif
