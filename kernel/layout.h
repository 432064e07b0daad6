/* The kernel's virtual address layout and fixed sizes, shared by assembly and C. */
#ifndef KERNEL_LAYOUT_H
#define KERNEL_LAYOUT_H

#define KERNEL_VIRT_BASE 0xffffffff80000000
#define DIRECT_MAP_BASE 0xffff800000000000
/* Kernel stacks (threads, IST) each get a slot here: an unmapped guard page, then the stack. */
#define STACK_AREA_BASE 0xffffff0000000000
#define STACK_AREA_SIZE 0x0000004000000000

#define PAGE_SIZE 4096
#define KERNEL_STACK_SIZE (16 * 1024)
#define IST_STACK_SIZE (8 * 1024)

#endif
