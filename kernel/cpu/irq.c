/* The vector table of handlers, the i8259 pair (remapped and masked) and IOAPIC routing. */
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/cpu/irq.h"
#include "kernel/cpu/lapic.h"
#include "kernel/cpu/percpu.h"
#include "kernel/log.h"
#include "kernel/mm/phys.h"

struct handler {
	irq_handler_fn fn;
	void *ctx;
};

static struct handler handlers[256];
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

void irq_dispatch(uint8_t vector)
{
	struct handler h = handlers[vector];
	if (h.fn)
		h.fn(h.ctx);
	if (vector != VECTOR_SPURIOUS)
		lapic_eoi();
}
