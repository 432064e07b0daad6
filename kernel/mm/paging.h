/* The kernel's page tables: one address space, shared by every CPU. */
#ifndef KERNEL_MM_PAGING_H
#define KERNEL_MM_PAGING_H

#include <stdint.h>

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_LARGE (1ull << 7)
#define PTE_GLOBAL (1ull << 8)
#define PTE_NX (1ull << 63)

/* Builds the final tables (direct map of all RAM and device space below 4 GiB, the kernel image with W^X,
 * the boot stack's guard page left unmapped) and switches to them. Needs phys_init. */
void paging_init(void);
/* Loads the kernel tables and paging features on an AP. */
void paging_init_ap(void);
uint64_t paging_kernel_cr3(void);
/* Maps or unmaps one 4 KiB page in the kernel address space (stack area). 0 or -ENOMEM. */
int paging_map_page(uint64_t va, uint64_t pa, uint64_t flags);
/* Returns the physical frame that was mapped, or 0. Flushes this CPU's TLB entry; other CPUs never cached
 * it while it was in use elsewhere (stacks are per thread). */
uint64_t paging_unmap_page(uint64_t va);
/* Device memory [pa, pa + len) mapped uncached: through the direct map, which covers device space below
 * its end already, with 4 KiB uncached pages added there for ranges beyond (64-bit BARs). NULL when the range
 * shares a 2 MiB page with RAM (mapped cached) or lies beyond the direct map's reach. */
void *paging_map_mmio(uint64_t pa, uint64_t len);
/* Identity-maps the first 2 MiB executable for AP start-up, and removes it again. */
void paging_identity_low(int on);
/* True when va is mapped (walks the tables without touching va). */
int paging_is_mapped(uint64_t va);
/* True when NX is in use (the CPU has it). */
int paging_has_nx(void);

#endif
