/* The kernel's own function symbols, embedded at link time (kernel/ksyms_gen.sh), for backtraces. */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stdint.h>

/* The name of the function holding addr and addr's offset in it, or NULL when addr is outside the text. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
