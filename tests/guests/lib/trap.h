/* Interrupts and exceptions for the 32- and 64-bit test guests: one IDT, a handler per vector. */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include <stdint.h>

#ifdef __x86_64__
struct guest_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error, ip, cs, flags, sp, ss;
};
#else
struct guest_frame {
	uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	uint32_t vector, error, ip, cs, flags;
};
#endif

/* A handler may change frame->ip (to skip a faulting instruction) and the saved registers. */
typedef void guest_handler(struct guest_frame *frame);

/* Builds the IDT (every vector to guest_trap) and loads it on this CPU. */
void trap_init(void);
/* Loads the already built IDT on another CPU. */
void trap_load(void);
/* Sets the handler of one vector; NULL restores the default (exceptions abort the guest, interrupts are
 * counted as unexpected, the spurious vectors 0x27, 0x2f and 0xff are ignored). */
void trap_set(unsigned vector, guest_handler *handler);
/* How many interrupts arrived on vectors without a handler. */
unsigned trap_unexpected(void);

#endif
