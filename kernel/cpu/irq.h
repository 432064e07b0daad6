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
/* Routes global system interrupt gsi (a PCI INTx line: level triggered, active low) to the boot CPU, masked;
 * installs fn for it. -EINVAL when gsi is beyond the IOAPIC; -EBUSY when the line has a handler already
 * (lines are not shared). */
int irq_register_pci_gsi(uint32_t gsi, irq_handler_fn fn, void *ctx);
void irq_gsi_mask(uint32_t gsi, int masked);
/* The first IOAPIC input and the number of inputs (for probing the PCI lines, GSI 16 up). */
uint32_t irq_gsi_base(void);
unsigned irq_gsi_count(void);
/* A free vector for a message-signalled interrupt with fn installed; 0 when none is left. */
uint8_t irq_alloc_vector(irq_handler_fn fn, void *ctx);
/* The MSI/MSI-X message (address, data) that delivers vector to the boot CPU, edge triggered. */
void irq_msi_message(uint8_t vector, uint64_t *address, uint32_t *data);
/* Runs the handler for vector and acknowledges it; called by trap_entry. */
void irq_dispatch(uint8_t vector);

#endif
