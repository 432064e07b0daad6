/* The kernel's frame allocator instance: built from the boot memory map, guarded by one spinlock. */
#include <errno.h>
#include <string.h>
#include "kernel/boot/boot_info.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/phys.h"
#include "kernel/mm/stack.h"
#include "kernel/panic.h"
#include "kernel/sched/spinlock.h"

extern char __kernel_end[];

static struct frame_allocator frames;
static struct spinlock frames_lock = SPINLOCK_INIT;
static uint64_t total_bytes, max_address, trampoline;
static struct boot_memory_range ram[BOOT_MAX_MEMORY_RANGES];
static unsigned ram_count;

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* The bitmap goes into the first usable range, above the kernel and boot data, large enough to hold it. */
static uint64_t place_bitmap(const struct boot_info *bi, uint64_t bytes, uint64_t avoid_end)
{
	for (unsigned i = 0; i < bi->memory_range_count; i++) {
		const struct boot_memory_range *r = &bi->memory[i];
		if (r->type != BOOT_MEMORY_USABLE)
			continue;
		uint64_t start = align_up(r->base > avoid_end ? r->base : avoid_end, PAGE_SIZE);
		/* The boot page tables reach only the first 4 GiB. */
		if (start + bytes <= r->base + r->length && start + bytes <= (4ull << 30))
			return start;
	}
	panic("no room for the frame bitmap (%llu bytes)", (unsigned long long)bytes);
}

void phys_init(const struct boot_info *bi)
{
	for (unsigned i = 0; i < bi->memory_range_count; i++) {
		const struct boot_memory_range *r = &bi->memory[i];
		if (r->type != BOOT_MEMORY_USABLE || !r->length)
			continue;
		ram[ram_count++] = *r;
		total_bytes += r->length;
		if (r->base + r->length > max_address)
			max_address = r->base + r->length;
	}

	/* Everything the loader placed (boot info, modules) sits above the kernel; keep the bitmap above all. */
	uint64_t avoid_end = virt_to_phys(__kernel_end);
	if (bi->info_phys + bi->info_size > avoid_end)
		avoid_end = bi->info_phys + bi->info_size;
	for (unsigned i = 0; i < bi->module_count; i++)
		if (bi->modules[i].end > avoid_end)
			avoid_end = bi->modules[i].end;

	uint64_t bitmap_bytes = align_up(max_address / PAGE_SIZE / 8 + 8, PAGE_SIZE);
	uint64_t bitmap_pa = place_bitmap(bi, bitmap_bytes, avoid_end);
	frame_init(&frames, phys_to_virt(bitmap_pa), bitmap_bytes, max_address);
	for (unsigned i = 0; i < ram_count; i++)
		frame_add_free(&frames, ram[i].base, ram[i].length);

	/* The AP start-up page: real mode needs it below 1 MiB, so pick it before the first MiB is closed. */
	for (unsigned i = 0; i < ram_count && !trampoline; i++) {
		uint64_t start = align_up(ram[i].base > 0x1000 ? ram[i].base : 0x1000, PAGE_SIZE);
		if (start + PAGE_SIZE <= ram[i].base + ram[i].length && start + PAGE_SIZE <= 0x9f000)
			trampoline = start;
	}
	if (!trampoline)
		panic("no free page below 640 KiB for starting the other CPUs");

	frame_reserve(&frames, 0, 0x100000);
	frame_reserve(&frames, 0x100000, virt_to_phys(__kernel_end) - 0x100000);
	frame_reserve(&frames, bi->info_phys, bi->info_size);
	for (unsigned i = 0; i < bi->module_count; i++)
		frame_reserve(&frames, bi->modules[i].start, bi->modules[i].end - bi->modules[i].start);
	frame_reserve(&frames, bitmap_pa, bitmap_bytes);
}

int page_alloc_contig(uint64_t npages, uint64_t align_pages, uint64_t below_pa, uint64_t *pa)
{
	uint64_t flags = spin_lock(&frames_lock);
	int err = frame_alloc_contig(&frames, npages, align_pages, below_pa, pa);
	spin_unlock(&frames_lock, flags);
	if (!err)
		memset(phys_to_virt(*pa), 0, npages * PAGE_SIZE);
	return err;
}

int page_alloc(uint64_t *pa)
{
	uint64_t flags = spin_lock(&frames_lock);
	int err = frame_alloc(&frames, pa);
	spin_unlock(&frames_lock, flags);
	if (!err)
		memset(phys_to_virt(*pa), 0, PAGE_SIZE);
	return err;
}

void page_free_contig(uint64_t pa, uint64_t npages)
{
	uint64_t flags = spin_lock(&frames_lock);
	int err = frame_free_contig(&frames, pa, npages);
	spin_unlock(&frames_lock, flags);
	if (err)
		panic("bad free of %llu frames at %#llx", (unsigned long long)npages, (unsigned long long)pa);
}

void page_free(uint64_t pa) { page_free_contig(pa, 1); }

uint64_t phys_total_bytes(void) { return total_bytes; }
uint64_t phys_max_address(void) { return max_address; }
uint64_t phys_trampoline_page(void) { return trampoline; }

uint64_t phys_free_bytes(void)
{
	uint64_t flags = spin_lock(&frames_lock);
	uint64_t n = frame_free_count(&frames);
	spin_unlock(&frames_lock, flags);
	return n * PAGE_SIZE + heap_cached_bytes() + stack_cached_bytes();
}

int phys_is_ram(uint64_t base, uint64_t len)
{
	for (unsigned i = 0; i < ram_count; i++)
		if (base < ram[i].base + ram[i].length && ram[i].base < base + len)
			return 1;
	return 0;
}
