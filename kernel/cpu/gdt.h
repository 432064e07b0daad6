/* Segments and the interrupt table: per-CPU GDT and TSS (with IST stacks), one shared IDT. */
#ifndef KERNEL_CPU_GDT_H
#define KERNEL_CPU_GDT_H

struct cpu;

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS 0x18

enum { IST_DOUBLE_FAULT = 1, IST_NMI = 2, IST_MACHINE_CHECK = 3 };

/* Loads c's GDT and TSS (allocating its IST stacks), sets GS base to c and loads the IDT. */
void cpu_tables_init(struct cpu *c);
/* Fills the shared IDT once, on the boot CPU. */
void idt_init(void);

#endif
