/* The kernel heap (malloc, free, calloc, realloc from <stdlib.h>) and what it holds. */
#ifndef KERNEL_MM_HEAP_H
#define KERNEL_MM_HEAP_H

#include <stdint.h>

/* Bytes on the heap's free lists: free memory kept for small allocations, which counts as free. */
uint64_t heap_cached_bytes(void);

#endif
