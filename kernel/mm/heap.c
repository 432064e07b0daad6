/* The kernel heap behind malloc/free (musl's own allocator is not linked): power-of-two size classes from
 * 32 bytes to 2 KiB carved out of frames, larger blocks as whole contiguous frames. One lock. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/layout.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/phys.h"
#include "kernel/panic.h"
#include "kernel/sched/spinlock.h"

#define MIN_SHIFT 5
#define MAX_SHIFT 11
#define HEADER 16 /* keeps 16-byte alignment */
#define MAGIC 0x6b65656c68656170ull

struct block_header {
	uint64_t magic;
	uint32_t shift; /* size class, or 0 for a page run */
	uint32_t pages; /* frames in a page run */
};

struct free_block {
	struct free_block *next;
};

static struct free_block *free_lists[MAX_SHIFT + 1];
static struct spinlock heap_lock = SPINLOCK_INIT;
static uint64_t cached_bytes; /* bytes on the free lists: free memory that stays with the heap */

static unsigned class_of(size_t total)
{
	unsigned shift = MIN_SHIFT;
	while (((size_t)1 << shift) < total)
		shift++;
	return shift;
}

static void *alloc_small(unsigned shift)
{
	uint64_t flags = spin_lock(&heap_lock);
	if (!free_lists[shift]) {
		uint64_t pa;
		spin_unlock(&heap_lock, flags);
		if (page_alloc(&pa))
			return NULL;
		flags = spin_lock(&heap_lock);
		char *page = phys_to_virt(pa);
		for (size_t off = 0; off < PAGE_SIZE; off += (size_t)1 << shift) {
			struct free_block *b = (struct free_block *)(page + off);
			b->next = free_lists[shift];
			free_lists[shift] = b;
		}
		cached_bytes += PAGE_SIZE;
	}
	struct free_block *b = free_lists[shift];
	free_lists[shift] = b->next;
	cached_bytes -= (uint64_t)1 << shift;
	spin_unlock(&heap_lock, flags);
	struct block_header *h = (struct block_header *)b;
	h->magic = MAGIC;
	h->shift = shift;
	h->pages = 0;
	return (char *)h + HEADER;
}

void *malloc(size_t size)
{
	if (size > (1ull << 40))
		return NULL;
	size_t total = size + HEADER;
	if (total <= ((size_t)1 << MAX_SHIFT))
		return alloc_small(class_of(total));
	uint64_t pages = (total + PAGE_SIZE - 1) / PAGE_SIZE, pa;
	if (page_alloc_contig(pages, 1, 0, &pa))
		return NULL;
	struct block_header *h = phys_to_virt(pa);
	h->magic = MAGIC;
	h->shift = 0;
	h->pages = (uint32_t)pages;
	return (char *)h + HEADER;
}

static struct block_header *header_of(void *p)
{
	struct block_header *h = (struct block_header *)((char *)p - HEADER);
	if (h->magic != MAGIC)
		panic("heap: free of a pointer malloc did not return, or a double free: %p", p);
	return h;
}

static size_t usable_size(const struct block_header *h)
{
	return h->shift ? ((size_t)1 << h->shift) - HEADER : (size_t)h->pages * PAGE_SIZE - HEADER;
}

void free(void *p)
{
	if (!p)
		return;
	struct block_header *h = header_of(p);
	h->magic = 0;
	if (!h->shift) {
		page_free_contig(virt_to_phys(h), h->pages);
		return;
	}
	uint64_t flags = spin_lock(&heap_lock);
	struct free_block *b = (struct free_block *)h;
	b->next = free_lists[h->shift];
	free_lists[h->shift] = b;
	cached_bytes += (uint64_t)1 << h->shift;
	spin_unlock(&heap_lock, flags);
}

uint64_t heap_cached_bytes(void)
{
	uint64_t flags = spin_lock(&heap_lock);
	uint64_t n = cached_bytes;
	spin_unlock(&heap_lock, flags);
	return n;
}

void *calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *p, size_t size)
{
	if (!p)
		return malloc(size);
	size_t old = usable_size(header_of(p));
	if (size <= old)
		return p;
	void *q = malloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, old);
	free(p);
	return q;
}
