/* A virtio 1.x split virtqueue from the driver's side: descriptor table, available ring and used ring in one
 * caller-provided block of memory, one descriptor per buffer. Pure logic (no kernel dependency): the device's
 * side is simulated in the host unit test. Not thread-safe: the driver serialises calls per queue.
 *
 * A buffer is named by its descriptor index (0 to size-1), so a driver keeps one fixed buffer per index:
 * take a free index with virtq_alloc, fill that buffer, virtq_submit it; virtq_take_used returns indices the
 * device has finished with, and virtq_free gives a transmit index back (receive indices are resubmitted). */
#ifndef DRIVERS_VIRTQUEUE_H
#define DRIVERS_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE 256

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq {
	uint16_t size;
	volatile struct virtq_desc *desc;
	volatile uint16_t *avail; /* flags, idx, ring[size], used_event */
	volatile uint16_t *used;  /* flags, idx, then size elements of { u32 id, u32 len }, avail_event */
	uint64_t desc_phys, avail_phys, used_phys;
	uint16_t avail_idx;  /* next avail ring slot, as published */
	uint16_t last_used;  /* used ring entries consumed so far */
	uint16_t free_count;
	uint16_t free_stack[VIRTQ_MAX_SIZE];
};

/* Bytes of memory (16-byte aligned) a queue of size entries needs. */
size_t virtq_bytes(uint16_t size);
/* Lays the queue out in mem (virtq_bytes(size) zeroed bytes at physical address phys); every index free.
 * -1 when size is not a power of two from 1 to VIRTQ_MAX_SIZE. */
int virtq_init(struct virtq *q, uint16_t size, void *mem, uint64_t phys);
/* A free descriptor index, or -1 when all are in the device's hands. */
int virtq_alloc(struct virtq *q);
void virtq_free(struct virtq *q, uint16_t index);
/* Points descriptor index at [addr, addr + len) (writable by the device when device_writes) and makes it
 * available to the device. The caller then notifies the device. */
void virtq_submit(struct virtq *q, uint16_t index, uint64_t addr, uint32_t len, bool device_writes);
/* The next index the device has used, with the byte count it wrote in *len; -1 when none is new. An index
 * out of range (a broken device) is skipped and counted in *bad, if given. */
int virtq_take_used(struct virtq *q, uint32_t *len, unsigned *bad);

#endif
