/* Split virtqueue bookkeeping: ring layout, free descriptor stack, publishing to the available ring and
 * consuming the used ring with the barriers the device relies on. */
#include "virtqueue.h"

static size_t align(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }

static size_t avail_offset(uint16_t size) { return (size_t)16 * size; }
static size_t used_offset(uint16_t size) { return align(avail_offset(size) + 6 + (size_t)2 * size, 4); }

size_t virtq_bytes(uint16_t size) { return align(used_offset(size) + 6 + (size_t)8 * size, 16); }

int virtq_init(struct virtq *q, uint16_t size, void *mem, uint64_t phys)
{
	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return -1;
	q->size = size;
	q->desc = mem;
	q->avail = (volatile uint16_t *)((char *)mem + avail_offset(size));
	q->used = (volatile uint16_t *)((char *)mem + used_offset(size));
	q->desc_phys = phys;
	q->avail_phys = phys + avail_offset(size);
	q->used_phys = phys + used_offset(size);
	q->avail_idx = 0;
	q->last_used = 0;
	q->free_count = size;
	for (uint16_t i = 0; i < size; i++)
		q->free_stack[i] = (uint16_t)(size - 1 - i);
	return 0;
}

int virtq_alloc(struct virtq *q)
{
	return q->free_count ? q->free_stack[--q->free_count] : -1;
}

void virtq_free(struct virtq *q, uint16_t index)
{
	if (index < q->size && q->free_count < q->size)
		q->free_stack[q->free_count++] = index;
}

void virtq_submit(struct virtq *q, uint16_t index, uint64_t addr, uint32_t len, bool device_writes)
{
	volatile struct virtq_desc *d = &q->desc[index % q->size];
	d->addr = addr;
	d->len = len;
	d->flags = device_writes ? VIRTQ_DESC_F_WRITE : 0;
	d->next = 0;
	q->avail[2 + q->avail_idx % q->size] = index;
	/* The descriptor and ring slot must be visible before the index that publishes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->avail_idx++;
	q->avail[1] = q->avail_idx;
	/* ...and the index before the caller's notify write reaches the device. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int virtq_take_used(struct virtq *q, uint32_t *len, unsigned *bad)
{
	for (;;) {
		uint16_t device_idx = q->used[1];
		if (device_idx == q->last_used)
			return -1;
		/* Read the element only after seeing the index that covers it. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		const volatile uint32_t *elem = (const volatile uint32_t *)(q->used + 2) + 2 * (q->last_used % q->size);
		uint32_t id = elem[0];
		*len = elem[1];
		q->last_used++;
		if (id < q->size)
			return (int)id;
		if (bad)
			(*bad)++;
	}
}
