/* The saved state of an interrupted context, as kernel/cpu/isr.S lays it out. */
#ifndef KERNEL_CPU_TRAP_H
#define KERNEL_CPU_TRAP_H

#include <stdint.h>

struct trap_frame {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

void trap_entry(struct trap_frame *f);

#endif
