/* Unit tests for drivers/virtqueue.c: ring layout and alignment, the free descriptor stack, what a submit
 * publishes, and consuming a used ring written by a simulated device, including indices out of range. */
#include "../../drivers/virtqueue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static uint16_t avail_idx(const struct virtq *q) { return q->avail[1]; }
static uint16_t avail_ring(const struct virtq *q, unsigned i) { return q->avail[2 + i % q->size]; }

/* The device side: marks index used with len and publishes it. */
static void device_use(struct virtq *q, uint32_t index, uint32_t len)
{
	volatile uint32_t *elem = (volatile uint32_t *)(q->used + 2) + 2 * (q->used[1] % q->size);
	elem[0] = index;
	elem[1] = len;
	q->used[1]++;
}

static void test_layout(void)
{
	struct virtq q;
	/* descriptors 4096, available ring 6 + 512 (used ring 4-aligned at 4616), used ring 6 + 2048, to 16 */
	CHECK_EQ(virtq_bytes(256), 6672);
	CHECK_EQ(virtq_bytes(256) % 16, 0);
	CHECK_EQ(virtq_bytes(1) % 16, 0);
	void *mem = aligned_alloc(16, virtq_bytes(8));
	memset(mem, 0, virtq_bytes(8));
	CHECK_EQ(virtq_init(&q, 8, mem, 0x100000), 0);
	CHECK_EQ(q.desc_phys, 0x100000);
	CHECK_EQ(q.avail_phys, 0x100000 + 128);
	CHECK_EQ(q.used_phys % 4, 0);
	CHECK(q.used_phys >= q.avail_phys + 6 + 16);
	CHECK_EQ(q.used_phys + 6 + 64 <= 0x100000 + virtq_bytes(8), 1);
	CHECK_EQ(virtq_init(&q, 0, mem, 0), -1);
	CHECK_EQ(virtq_init(&q, 6, mem, 0), -1);
	CHECK_EQ(virtq_init(&q, 512, mem, 0), -1);
	free(mem);
}

static void test_alloc_submit_use(void)
{
	struct virtq q;
	void *mem = aligned_alloc(16, virtq_bytes(4));
	memset(mem, 0, virtq_bytes(4));
	virtq_init(&q, 4, mem, 0x2000);
	int seen = 0;
	for (int i = 0; i < 4; i++) {
		int idx = virtq_alloc(&q);
		CHECK(idx >= 0 && idx < 4);
		seen |= 1 << idx;
		virtq_submit(&q, (uint16_t)idx, 0x10000 + (uint64_t)idx * 2048, 100 + i, i % 2);
		CHECK_EQ(q.desc[idx].addr, 0x10000 + (uint64_t)idx * 2048);
		CHECK_EQ(q.desc[idx].len, 100 + i);
		CHECK_EQ(q.desc[idx].flags, i % 2 ? VIRTQ_DESC_F_WRITE : 0);
		CHECK_EQ(avail_ring(&q, i), idx);
		CHECK_EQ(avail_idx(&q), i + 1);
	}
	CHECK_EQ(seen, 0xf);
	CHECK_EQ(virtq_alloc(&q), -1);

	uint32_t len = 0;
	CHECK_EQ(virtq_take_used(&q, &len, NULL), -1);
	device_use(&q, 2, 60);
	device_use(&q, 0, 1514);
	CHECK_EQ(virtq_take_used(&q, &len, NULL), 2);
	CHECK_EQ(len, 60);
	CHECK_EQ(virtq_take_used(&q, &len, NULL), 0);
	CHECK_EQ(len, 1514);
	CHECK_EQ(virtq_take_used(&q, &len, NULL), -1);
	virtq_free(&q, 2);
	CHECK_EQ(virtq_alloc(&q), 2);
	CHECK_EQ(virtq_alloc(&q), -1);

	/* A broken device: an index beyond the queue is skipped and counted. */
	unsigned bad = 0;
	device_use(&q, 9, 10);
	device_use(&q, 0xffffffffu, 10);
	device_use(&q, 3, 42);
	CHECK_EQ(virtq_take_used(&q, &len, &bad), 3);
	CHECK_EQ(len, 42);
	CHECK_EQ(bad, 2);
	/* Freeing beyond the size or more than the queue holds changes nothing. */
	virtq_free(&q, 7);
	virtq_free(&q, 3);
	virtq_free(&q, 1);
	virtq_free(&q, 0);
	virtq_free(&q, 2);
	virtq_free(&q, 2);
	CHECK_EQ(q.free_count, 4);
	free(mem);
}

static void test_wraparound(void)
{
	struct virtq q;
	void *mem = aligned_alloc(16, virtq_bytes(2));
	memset(mem, 0, virtq_bytes(2));
	virtq_init(&q, 2, mem, 0);
	/* 70000 round trips: the 16-bit indices wrap and the ring positions follow them. */
	for (unsigned round = 0; round < 70000; round++) {
		int idx = virtq_alloc(&q);
		if (idx < 0) {
			CHECK(idx >= 0);
			break;
		}
		virtq_submit(&q, (uint16_t)idx, 0, 1, true);
		device_use(&q, (uint32_t)idx, round & 0xff);
		uint32_t len;
		int got = virtq_take_used(&q, &len, NULL);
		if (got != idx || len != (round & 0xff)) {
			CHECK(got == idx && len == (round & 0xff));
			break;
		}
		virtq_free(&q, (uint16_t)got);
	}
	CHECK_EQ(avail_idx(&q), (uint16_t)70000);
	free(mem);
}

int main(void)
{
	test_layout();
	test_alloc_submit_use();
	test_wraparound();
	return check_summary();
}
