/* Physical memory: the direct map (all RAM at DIRECT_MAP_BASE) and the kernel's one frame allocator. */
#ifndef KERNEL_MM_PHYS_H
#define KERNEL_MM_PHYS_H

#include <stdint.h>
#include "kernel/layout.h"

struct boot_info;

static inline void *phys_to_virt(uint64_t pa) { return (void *)(pa + DIRECT_MAP_BASE); }
static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;
	return v >= KERNEL_VIRT_BASE ? v - KERNEL_VIRT_BASE : v - DIRECT_MAP_BASE;
}

/* Builds the frame allocator from the boot memory map, keeping out the kernel, the boot information, the
 * modules, the first MiB and one page below 1 MiB for the AP start-up code (phys_trampoline_page). */
void phys_init(const struct boot_info *bi);

/* One zeroed 4 KiB frame; 0 or -ENOMEM. */
int page_alloc(uint64_t *pa);
/* npages contiguous zeroed frames aligned to align_pages, below below_pa when non-zero. */
int page_alloc_contig(uint64_t npages, uint64_t align_pages, uint64_t below_pa, uint64_t *pa);
/* Gives frames back; a bad or double free is a kernel bug and panics. */
void page_free(uint64_t pa);
void page_free_contig(uint64_t pa, uint64_t npages);

uint64_t phys_total_bytes(void); /* usable RAM the firmware reported */
uint64_t phys_free_bytes(void); /* free frames, and free blocks the heap and the stack area keep */
uint64_t phys_max_address(void); /* end of the highest usable range */
uint64_t phys_trampoline_page(void);
/* True when [base, base+len) overlaps usable RAM (the rest of the direct map is device memory). */
int phys_is_ram(uint64_t base, uint64_t len);

#endif
