/* Builds each CPU's GDT and TSS and the shared IDT. */
#include <stdint.h>
#include <string.h>
#include "kernel/arch.h"
#include "kernel/cpu/gdt.h"
#include "kernel/cpu/percpu.h"
#include "kernel/layout.h"
#include "kernel/mm/stack.h"
#include "kernel/panic.h"

struct idt_entry {
	uint16_t offset_low, selector;
	uint8_t ist, type;
	uint16_t offset_mid;
	uint32_t offset_high, reserved;
} __attribute__((packed));

struct table_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t isr_table[256];
static struct idt_entry idt[256];

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t a = isr_table[v];
		idt[v] = (struct idt_entry){
			.offset_low = (uint16_t)a,
			.selector = GDT_KERNEL_CODE,
			.ist = 0,
			.type = 0x8e, /* present, interrupt gate */
			.offset_mid = (uint16_t)(a >> 16),
			.offset_high = (uint32_t)(a >> 32),
		};
	}
	idt[8].ist = IST_DOUBLE_FAULT;
	idt[2].ist = IST_NMI;
	idt[18].ist = IST_MACHINE_CHECK;
}

static uint64_t ist_stack(const char *name)
{
	void *bottom = stack_alloc(IST_STACK_SIZE, name);
	if (!bottom)
		panic("no memory for an IST stack");
	return (uint64_t)bottom + IST_STACK_SIZE;
}

void cpu_tables_init(struct cpu *c)
{
	c->self = c;
	memset(&c->tss, 0, sizeof c->tss);
	c->tss.ist[IST_DOUBLE_FAULT - 1] = ist_stack("double-fault IST");
	c->tss.ist[IST_NMI - 1] = ist_stack("NMI IST");
	c->tss.ist[IST_MACHINE_CHECK - 1] = ist_stack("machine-check IST");
	c->tss.iomap_base = sizeof c->tss;

	uint64_t tss = (uint64_t)&c->tss, limit = sizeof c->tss - 1;
	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9a000000ffffull; /* 64-bit code */
	c->gdt[2] = 0x00cf92000000ffffull; /* data */
	c->gdt[3] = (limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
		    (((tss >> 24) & 0xff) << 56);
	c->gdt[4] = tss >> 32;

	struct table_pointer gdtr = { sizeof c->gdt - 1, (uint64_t)c->gdt };
	struct table_pointer idtr = { sizeof idt - 1, (uint64_t)idt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs\n\t"
			 "ltr %w3\n\t"
			 "lidt %4"
			 :
			 : "m"(gdtr), "i"(GDT_KERNEL_CODE), "i"(GDT_KERNEL_DATA), "r"((uint16_t)GDT_TSS), "m"(idtr)
			 : "rax", "memory");
	wrmsr(MSR_GS_BASE, (uint64_t)c);
}
