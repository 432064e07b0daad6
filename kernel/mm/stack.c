/* The stack area: fixed 64 KiB slots with the stack at the top of each and at least a page below it never
 * mapped, so running off the bottom of a stack faults instead of corrupting its neighbour. */
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
static struct spinlock slots_lock = SPINLOCK_INIT;

void *stack_alloc(size_t size, const char *owner)
{
	if (!size || size % PAGE_SIZE || size > SLOT_SIZE - PAGE_SIZE)
		return NULL;
	uint64_t flags = spin_lock(&slots_lock);
	unsigned slot = 0;
	while (slot < SLOT_COUNT && slot_owner[slot])
		slot++;
	if (slot < SLOT_COUNT)
		slot_owner[slot] = owner;
	spin_unlock(&slots_lock, flags);
	if (slot == SLOT_COUNT)
		return NULL;

	uint64_t top = STACK_AREA_BASE + (uint64_t)(slot + 1) * SLOT_SIZE;
	uint64_t bottom = top - size;
	for (uint64_t va = bottom; va < top; va += PAGE_SIZE) {
		uint64_t pa;
		if (page_alloc(&pa)) {
			stack_free((void *)bottom, va - bottom);
			return NULL;
		}
		paging_map_page(va, pa, PTE_WRITE);
	}
	return (void *)bottom;
}

void stack_free(void *bottom, size_t size)
{
	uint64_t b = (uint64_t)bottom;
	for (uint64_t va = b; va < b + size; va += PAGE_SIZE) {
		uint64_t pa = paging_unmap_page(va);
		if (pa)
			page_free(pa);
	}
	uint64_t flags = spin_lock(&slots_lock);
	slot_owner[(b - STACK_AREA_BASE) / SLOT_SIZE] = NULL;
	spin_unlock(&slots_lock, flags);
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
