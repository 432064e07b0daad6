/* Kernel stacks in their own area, each with an unmapped guard page below it. */
#ifndef KERNEL_MM_STACK_H
#define KERNEL_MM_STACK_H

#include <stddef.h>
#include <stdint.h>

/* Maps a stack of size bytes (a multiple of 4 KiB, at most 60 KiB) and returns its lowest address, or NULL.
 * owner names it in a crash report; it must outlive the stack. */
void *stack_alloc(size_t size, const char *owner);
/* Frees a stack (its pages stay mapped in its slot for the next stack of the same size). */
void stack_free(void *bottom, size_t size);
/* Bytes of freed stacks kept for reuse: free memory. */
uint64_t stack_cached_bytes(void);
/* The owner of the stack whose unmapped guard area holds va, or NULL when va is no guard. */
const char *stack_guard_owner(uint64_t va);

#endif
