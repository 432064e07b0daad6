/* The vector table of handlers, the i8259 pair (remapped and masked), IOAPIC routing and vectors for
 * message-signalled interrupts. */
#include <errno.h>
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/cpu/irq.h"
#include "kernel/cpu/lapic.h"
#include "kernel/cpu/percpu.h"
#include "kernel/log.h"
#include "kernel/mm/phys.h"
#include "kernel/sched/spinlock.h"

struct handler {
	irq_handler_fn fn;
	void *ctx;
};

/* MSI vectors come from above the IOAPIC's (0x30 + GSI) and below the kernel's own (0xf0 up). */
#define MSI_VECTOR_FIRST 0x80
#define MSI_VECTOR_LAST 0xef

static struct handler handlers[256];
static struct spinlock vector_lock = SPINLOCK_INIT;
static volatile uint32_t *ioapic;
static unsigned ioapic_inputs;

static void ioapic_write(unsigned reg, uint32_t v)
{
	ioapic[0] = reg;
	ioapic[4] = v;
}

static uint32_t ioapic_read(unsigned reg)
{
	ioapic[0] = reg;
	return ioapic[4];
}

void irq_init(void)
{
	/* Remap the PICs away from the exception vectors, then mask them: the IOAPIC delivers instead. */
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0x20);
	outb(0xa1, 0x28);
	outb(0x21, 4);
	outb(0xa1, 2);
	outb(0x21, 1);
	outb(0xa1, 1);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);

	uint64_t base = acpi.ioapic_address ? acpi.ioapic_address : 0xfec00000;
	ioapic = phys_to_virt(base);
	ioapic_inputs = ((ioapic_read(1) >> 16) & 0xff) + 1;
	for (unsigned i = 0; i < ioapic_inputs; i++) {
		ioapic_write(0x10 + 2 * i, 1u << 16);
		ioapic_write(0x11 + 2 * i, 0);
	}
}

void irq_register_vector(uint8_t vector, irq_handler_fn fn, void *ctx)
{
	handlers[vector] = (struct handler){ fn, ctx };
}

void irq_register_isa(unsigned isa_irq, irq_handler_fn fn, void *ctx)
{
	uint32_t gsi = isa_irq;
	uint16_t flags = 0;
	if (isa_irq < 16 && acpi.isa[isa_irq].present) {
		gsi = acpi.isa[isa_irq].gsi;
		flags = acpi.isa[isa_irq].flags;
	}
	unsigned input = gsi - acpi.ioapic_gsi_base;
	if (gsi < acpi.ioapic_gsi_base || input >= ioapic_inputs || IRQ_VECTOR_BASE + gsi > 0xef) {
		log_printf("irq: ISA IRQ %u (GSI %u) is beyond the IOAPIC; not routed\n", isa_irq, gsi);
		return;
	}
	uint8_t vector = (uint8_t)(IRQ_VECTOR_BASE + gsi);
	irq_register_vector(vector, fn, ctx);
	uint32_t low = vector;
	if ((flags & 3) == 3)
		low |= 1u << 13; /* active low */
	if (((flags >> 2) & 3) == 3)
		low |= 1u << 15; /* level triggered */
	ioapic_write(0x11 + 2 * input, cpus[0].apic_id << 24);
	ioapic_write(0x10 + 2 * input, low);
}

int irq_register_pci_gsi(uint32_t gsi, irq_handler_fn fn, void *ctx)
{
	unsigned input = gsi - acpi.ioapic_gsi_base;
	if (gsi < acpi.ioapic_gsi_base || input >= ioapic_inputs || IRQ_VECTOR_BASE + gsi > 0xef ||
	    IRQ_VECTOR_BASE + gsi >= MSI_VECTOR_FIRST)
		return -EINVAL;
	uint8_t vector = (uint8_t)(IRQ_VECTOR_BASE + gsi);
	if (handlers[vector].fn)
		return -EBUSY;
	irq_register_vector(vector, fn, ctx);
	ioapic_write(0x11 + 2 * input, cpus[0].apic_id << 24);
	ioapic_write(0x10 + 2 * input, vector | (1u << 13) | (1u << 15) | (1u << 16));
	return 0;
}

void irq_gsi_mask(uint32_t gsi, int masked)
{
	unsigned input = gsi - acpi.ioapic_gsi_base;
	if (gsi < acpi.ioapic_gsi_base || input >= ioapic_inputs)
		return;
	uint32_t low = ioapic_read(0x10 + 2 * input);
	ioapic_write(0x10 + 2 * input, masked ? low | (1u << 16) : low & ~(1u << 16));
}

uint32_t irq_gsi_base(void) { return acpi.ioapic_gsi_base; }
unsigned irq_gsi_count(void) { return ioapic_inputs; }

uint8_t irq_alloc_vector(irq_handler_fn fn, void *ctx)
{
	uint64_t f = spin_lock(&vector_lock);
	for (unsigned v = MSI_VECTOR_FIRST; v <= MSI_VECTOR_LAST; v++) {
		if (!handlers[v].fn) {
			irq_register_vector((uint8_t)v, fn, ctx);
			spin_unlock(&vector_lock, f);
			return (uint8_t)v;
		}
	}
	spin_unlock(&vector_lock, f);
	return 0;
}

void irq_msi_message(uint8_t vector, uint64_t *address, uint32_t *data)
{
	*address = 0xfee00000u | (cpus[0].apic_id << 12); /* physical destination, no redirection hint */
	*data = vector; /* fixed delivery, edge */
}

void irq_dispatch(uint8_t vector)
{
	struct handler h = handlers[vector];
	if (h.fn)
		h.fn(h.ctx);
	if (vector != VECTOR_SPURIOUS)
		lapic_eoi();
}
