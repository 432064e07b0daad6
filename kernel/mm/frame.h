/* Physical frame allocator: one bit per 4 KiB frame in a bitmap the caller provides.
 * Pure logic (no kernel dependency) so it is unit-tested and fuzzed on the host.
 * Not thread-safe: the kernel wraps every call in its own spinlock. */
#ifndef KEEL_MM_FRAME_H
#define KEEL_MM_FRAME_H

#include <stdint.h>

#define FRAME_SHIFT 12
#define FRAME_SIZE  (UINT64_C(1) << FRAME_SHIFT)

/* Fields are public so the kernel can embed the allocator statically; only frame_* touch them. */
struct frame_allocator {
	uint64_t *bitmap;      /* bit set = frame used (or never added), clear = free */
	uint64_t nframes;      /* frames the bitmap covers: min(bitmap bits, max_phys / FRAME_SIZE) */
	uint64_t free_frames;  /* frames currently free */
	uint64_t total_frames; /* frames added as free, minus free frames reserved later */
	uint64_t next;         /* bitmap word where the next single-frame search starts */
};

/* Sets up fa over bitmap (bitmap_bytes long, 8-byte aligned) for physical addresses below max_phys.
 * Every frame starts used; frame_add_free() hands ranges over. */
void frame_init(struct frame_allocator *fa, uint64_t *bitmap, uint64_t bitmap_bytes, uint64_t max_phys);

/* Marks [base, base+len) free, rounded inward to whole frames and clipped to the covered range.
 * Frames already free stay free and are not counted twice. */
void frame_add_free(struct frame_allocator *fa, uint64_t base, uint64_t len);

/* Marks [base, base+len) used for good, rounded outward to whole frames and clipped. Free frames in the
 * range leave both the free and the total count; frames already allocated are left as they are. */
void frame_reserve(struct frame_allocator *fa, uint64_t base, uint64_t len);

/* Allocates one frame and stores its physical address in *pa. 0, or -ENOMEM when none is free. */
int frame_alloc(struct frame_allocator *fa, uint64_t *pa);

/* Allocates npages physically contiguous frames whose first address is a multiple of align_pages frames
 * (a power of two; 0 means 1) and whose last byte lies below below_pa (0 = no limit). Lowest fit wins.
 * 0 with *pa set, -EINVAL for npages 0 or a bad alignment, -ENOMEM when no such run is free. */
int frame_alloc_contig(struct frame_allocator *fa, uint64_t npages, uint64_t align_pages,
		       uint64_t below_pa, uint64_t *pa);

/* Frees the frame at pa. -EINVAL, changing nothing, if pa is not frame-aligned, outside the covered
 * range or already free (a double free). One bit cannot tell reserved from allocated: freeing a reserved
 * frame is accepted, so only pass addresses that frame_alloc*() returned. */
int frame_free(struct frame_allocator *fa, uint64_t pa);

/* Frees npages frames from pa. -EINVAL, changing nothing, if any frame of the run would be rejected
 * by frame_free() or npages is 0. */
int frame_free_contig(struct frame_allocator *fa, uint64_t pa, uint64_t npages);

/* Frames free now. */
uint64_t frame_free_count(const struct frame_allocator *fa);

/* Frames under management: added as free minus those reserved afterwards. */
uint64_t frame_total_count(const struct frame_allocator *fa);

#endif
