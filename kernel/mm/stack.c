/* The stack area: fixed 64 KiB slots with the stack at the top of each and at least a page below it never
 * mapped, so running off the bottom of a stack faults instead of corrupting its neighbour. A slot keeps its
 * pages mapped after its stack is freed and is reused for a stack of the same size: a mapping that never
 * changes needs no TLB shootdown (another CPU may hold a translation of a stack it wrote, e.g. the frame of
 * a thread it created). The kept pages count as free memory. */
#include <stdbool.h>
#include <string.h>
#include "kernel/layout.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/phys.h"
#include "kernel/mm/stack.h"
#include "kernel/sched/spinlock.h"

#define SLOT_SIZE (64 * 1024)
#define SLOT_COUNT 4096

extern char boot_stack_guard[];

static const char *slot_owner[SLOT_COUNT];
static uint32_t slot_mapped[SLOT_COUNT]; /* bytes mapped at the top of the slot */
static uint64_t cached_bytes;             /* mapped bytes of free slots */
static struct spinlock slots_lock = SPINLOCK_INIT;

static uint64_t slot_top(unsigned slot) { return STACK_AREA_BASE + (uint64_t)(slot + 1) * SLOT_SIZE; }

void *stack_alloc(size_t size, const char *owner)
{
	if (!size || size % PAGE_SIZE || size > SLOT_SIZE - PAGE_SIZE)
		return NULL;
	uint64_t flags = spin_lock(&slots_lock);
	unsigned slot = SLOT_COUNT, fresh = SLOT_COUNT;
	for (unsigned i = 0; i < SLOT_COUNT && slot == SLOT_COUNT; i++) {
		if (slot_owner[i])
			continue;
		if (slot_mapped[i] == size)
			slot = i;
		else if (!slot_mapped[i] && fresh == SLOT_COUNT)
			fresh = i;
	}
	bool reuse = slot != SLOT_COUNT;
	if (!reuse)
		slot = fresh;
	if (slot < SLOT_COUNT) {
		slot_owner[slot] = owner;
		if (reuse)
			cached_bytes -= size;
	}
	spin_unlock(&slots_lock, flags);
	if (slot == SLOT_COUNT)
		return NULL;

	uint64_t bottom = slot_top(slot) - size;
	if (reuse) {
		memset((void *)bottom, 0, size);
		return (void *)bottom;
	}
	for (uint64_t va = bottom; va < slot_top(slot); va += PAGE_SIZE) {
		uint64_t pa;
		if (page_alloc(&pa)) {
			/* Nothing in a fresh slot was used yet: undo on this CPU alone. */
			for (uint64_t done = bottom; done < va; done += PAGE_SIZE)
				page_free(paging_unmap_page(done));
			flags = spin_lock(&slots_lock);
			slot_owner[slot] = NULL;
			spin_unlock(&slots_lock, flags);
			return NULL;
		}
		paging_map_page(va, pa, PTE_WRITE);
	}
	flags = spin_lock(&slots_lock);
	slot_mapped[slot] = (uint32_t)size;
	spin_unlock(&slots_lock, flags);
	return (void *)bottom;
}

void stack_free(void *bottom, size_t size)
{
	unsigned slot = (unsigned)(((uint64_t)bottom - STACK_AREA_BASE) / SLOT_SIZE);
	uint64_t flags = spin_lock(&slots_lock);
	slot_owner[slot] = NULL;
	cached_bytes += size;
	spin_unlock(&slots_lock, flags);
}

uint64_t stack_cached_bytes(void)
{
	uint64_t flags = spin_lock(&slots_lock);
	uint64_t n = cached_bytes;
	spin_unlock(&slots_lock, flags);
	return n;
}

const char *stack_guard_owner(uint64_t va)
{
	if ((uint64_t)boot_stack_guard <= va && va < (uint64_t)boot_stack_guard + PAGE_SIZE)
		return "boot";
	if (va < STACK_AREA_BASE || va >= STACK_AREA_BASE + (uint64_t)SLOT_COUNT * SLOT_SIZE)
		return NULL;
	/* A slot's stack sits at its top; everything below it stays unmapped and acts as its guard. */
	const char *owner = slot_owner[(va - STACK_AREA_BASE) / SLOT_SIZE];
	return owner && !paging_is_mapped(va) ? owner : NULL;
}
