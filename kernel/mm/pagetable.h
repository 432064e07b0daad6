/* Four-level x86 page tables as a data structure, shared by the kernel's own tables and the hypervisor's
 * nested (NPT) and extended (EPT) tables, which differ only in their entry bits. */
#ifndef KERNEL_MM_PAGETABLE_H
#define KERNEL_MM_PAGETABLE_H

#include <stdint.h>

#define PAGETABLE_ADDR_MASK 0x000ffffffffff000ull

struct pagetable_format {
	uint64_t present;     /* bits that make an entry present (any of them) */
	uint64_t table_flags; /* bits of an entry that points to a lower table */
	uint64_t large;       /* the page-size bit of a 2 MiB or 1 GiB leaf */
};

/* The entry for va at level (4 = top ... 1 = 4 KiB leaf), creating missing tables (zeroed frames below
 * 4 GiB) when create is set. NULL when a table is missing and create is clear, on allocation failure, or when
 * a large leaf sits above level. */
uint64_t *pagetable_entry(const struct pagetable_format *f, uint64_t root, uint64_t va, int level, int create);
/* Frees every table below root and root itself; leaves the mapped frames alone. */
void pagetable_free(const struct pagetable_format *f, uint64_t root);

#endif
