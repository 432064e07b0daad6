/* Builds and edits the kernel page tables: direct map with 2 MiB pages, kernel sections with 4 KiB pages
 * and W^X permissions, and the stack area. */
#include <errno.h>
#include <string.h>
#include "kernel/arch.h"
#include "kernel/layout.h"
#include "kernel/mm/pagetable.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/phys.h"
#include "kernel/panic.h"
#include "kernel/sched/spinlock.h"

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[], __kernel_end[];
extern char boot_stack_guard[];

static uint64_t kernel_pml4;
static uint64_t direct_map_end; /* covered by 2 MiB pages from paging_init */
static uint64_t nx_bit;
static uint64_t identity_pdpt, identity_pd;
static struct spinlock map_lock = SPINLOCK_INIT;

static const struct pagetable_format kernel_format = {
	.present = PTE_PRESENT,
	.table_flags = PTE_PRESENT | PTE_WRITE,
	.large = PTE_LARGE,
};

static uint64_t *table(uint64_t pa) { return phys_to_virt(pa & PAGETABLE_ADDR_MASK); }

static uint64_t new_table(void)
{
	uint64_t pa;
	/* Below 4 GiB: APs load CR3 in real mode, and the boot direct map reaches only that far. */
	if (page_alloc_contig(1, 1, 4ull << 30, &pa))
		panic("out of memory for page tables");
	return pa;
}

static uint64_t *walk(uint64_t va, int level, int create)
{
	uint64_t *e = pagetable_entry(&kernel_format, kernel_pml4, va, level, create);
	if (!e && create)
		panic("out of memory for page tables");
	return e;
}

static void map_range_4k(uint64_t va, uint64_t end, uint64_t flags)
{
	for (; va < end; va += PAGE_SIZE)
		*walk(va, 1, 1) = virt_to_phys((void *)va) | flags | PTE_PRESENT | PTE_GLOBAL;
}

void paging_init(void)
{
	uint32_t a, b, c, d;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	nx_bit = (d & (1u << 20)) ? PTE_NX : 0;
	if (nx_bit)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);

	kernel_pml4 = new_table();
	/* Every top-level kernel entry exists from the start, so later mappings never change the PML4. */
	for (int i = 256; i < 512; i++)
		table(kernel_pml4)[i] = new_table() | PTE_PRESENT | PTE_WRITE;

	uint64_t end = phys_max_address() > (4ull << 30) ? phys_max_address() : (4ull << 30);
	end = (end + (2ull << 20) - 1) & ~((2ull << 20) - 1);
	direct_map_end = end;
	for (uint64_t pa = 0; pa < end; pa += 2ull << 20) {
		uint64_t cache = phys_is_ram(pa, 2ull << 20) ? 0 : PTE_PCD | PTE_PWT;
		*walk(DIRECT_MAP_BASE + pa, 2, 1) = pa | PTE_PRESENT | PTE_WRITE | PTE_LARGE | PTE_GLOBAL | nx_bit | cache;
	}

	map_range_4k((uint64_t)__text_start, (uint64_t)__text_end, 0);
	map_range_4k((uint64_t)__rodata_start, (uint64_t)__rodata_end, nx_bit);
	map_range_4k((uint64_t)__data_start, (uint64_t)boot_stack_guard, PTE_WRITE | nx_bit);
	map_range_4k((uint64_t)boot_stack_guard + PAGE_SIZE, (uint64_t)__kernel_end, PTE_WRITE | nx_bit);

	write_cr4(read_cr4() | (1u << 7)); /* PGE */
	write_cr3(kernel_pml4);
}

void paging_init_ap(void)
{
	if (nx_bit)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr4(read_cr4() | (1u << 7));
	write_cr3(kernel_pml4);
}

uint64_t paging_kernel_cr3(void) { return kernel_pml4; }
int paging_has_nx(void) { return nx_bit != 0; }

int paging_map_page(uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t f = spin_lock(&map_lock);
	*walk(va, 1, 1) = pa | flags | PTE_PRESENT | nx_bit;
	spin_unlock(&map_lock, f);
	return 0;
}

uint64_t paging_unmap_page(uint64_t va)
{
	uint64_t f = spin_lock(&map_lock);
	uint64_t *e = walk(va, 1, 0);
	uint64_t pa = 0;
	if (e && (*e & PTE_PRESENT)) {
		pa = *e & PAGETABLE_ADDR_MASK;
		*e = 0;
		invlpg(va);
	}
	spin_unlock(&map_lock, f);
	return pa;
}

void *paging_map_mmio(uint64_t pa, uint64_t len)
{
	const uint64_t large = 2ull << 20;
	/* The direct map ends where the stack area starts. */
	if (!len || pa + len < pa || pa + len > STACK_AREA_BASE - DIRECT_MAP_BASE)
		return NULL;
	for (uint64_t b = pa & ~(large - 1); b < pa + len && b < direct_map_end; b += large)
		if (phys_is_ram(b, large))
			return NULL;
	uint64_t f = spin_lock(&map_lock);
	for (uint64_t p = pa & ~(uint64_t)(PAGE_SIZE - 1); p < pa + len; p += PAGE_SIZE)
		if (p >= direct_map_end)
			*walk(DIRECT_MAP_BASE + p, 1, 1) = p | PTE_PRESENT | PTE_WRITE | PTE_PCD | PTE_PWT | nx_bit;
	spin_unlock(&map_lock, f);
	return phys_to_virt(pa);
}

void paging_identity_low(int on)
{
	uint64_t *pml4 = table(kernel_pml4);
	if (on) {
		identity_pdpt = new_table();
		identity_pd = new_table();
		table(identity_pd)[0] = PTE_PRESENT | PTE_WRITE | PTE_LARGE;
		table(identity_pdpt)[0] = identity_pd | PTE_PRESENT | PTE_WRITE;
		pml4[0] = identity_pdpt | PTE_PRESENT | PTE_WRITE;
	} else {
		pml4[0] = 0;
		write_cr3(kernel_pml4);
		page_free(identity_pd);
		page_free(identity_pdpt);
	}
}

int paging_is_mapped(uint64_t va)
{
	for (int level = 1; level <= 3; level++) {
		uint64_t *e = pagetable_entry(&kernel_format, kernel_pml4, va, level, 0);
		if (e)
			return (*e & PTE_PRESENT) && (level == 1 || (*e & PTE_LARGE));
	}
	return 0;
}
