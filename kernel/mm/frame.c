/* Physical frame allocator over a caller-supplied bitmap: range marking, single and contiguous
 * allocation, checked frees. Bit set = used; frames the bitmap does not cover stay set forever, so a
 * word-wide search never needs a bounds check. */
#include "frame.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#define WORD_BITS 64

/* Our own popcount: __builtin_popcountll may become a libgcc call without -mpopcnt. */
static unsigned popcount64(uint64_t x)
{
	x = x - ((x >> 1) & UINT64_C(0x5555555555555555));
	x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (unsigned)((x * UINT64_C(0x0101010101010101)) >> 56);
}

/* Bits [lo, hi) of a word, 0 <= lo < hi <= 64. */
static uint64_t bit_mask(unsigned lo, unsigned hi)
{
	uint64_t width = hi - lo;

	return (width == WORD_BITS ? ~UINT64_C(0) : ((UINT64_C(1) << width) - 1)) << lo;
}

/* Marks frames [from, to) used or free; returns how many bits actually changed, so callers keep the
 * counters exact even when part of the range was already in the target state. */
static uint64_t range_fill(struct frame_allocator *fa, uint64_t from, uint64_t to, bool used)
{
	uint64_t changed = 0;

	while (from < to) {
		uint64_t w = from / WORD_BITS;
		unsigned lo = (unsigned)(from % WORD_BITS);
		unsigned hi = (to - from >= WORD_BITS - lo) ? WORD_BITS : lo + (unsigned)(to - from);
		uint64_t m = bit_mask(lo, hi);

		if (used) {
			changed += popcount64(~fa->bitmap[w] & m);
			fa->bitmap[w] |= m;
		} else {
			changed += popcount64(fa->bitmap[w] & m);
			fa->bitmap[w] &= ~m;
		}
		from += hi - lo;
	}
	return changed;
}

/* First frame in [from, to) whose state is `used`, or `to` when there is none. 64 frames per step. */
static uint64_t range_find(const struct frame_allocator *fa, uint64_t from, uint64_t to, bool used)
{
	while (from < to) {
		uint64_t w = from / WORD_BITS;
		unsigned lo = (unsigned)(from % WORD_BITS);
		unsigned hi = (to - from >= WORD_BITS - lo) ? WORD_BITS : lo + (unsigned)(to - from);
		uint64_t bits = (used ? fa->bitmap[w] : ~fa->bitmap[w]) & bit_mask(lo, hi);

		if (bits)
			return w * WORD_BITS + (uint64_t)__builtin_ctzll(bits);
		from += hi - lo;
	}
	return to;
}

void frame_init(struct frame_allocator *fa, uint64_t *bitmap, uint64_t bitmap_bytes, uint64_t max_phys)
{
	uint64_t words = bitmap_bytes / sizeof(uint64_t);
	uint64_t nframes = max_phys >> FRAME_SHIFT;

	for (uint64_t i = 0; i < words; i++)
		bitmap[i] = ~UINT64_C(0);
	/* words * 64 cannot overflow: words came from a byte count divided by 8. */
	if (nframes > words * WORD_BITS)
		nframes = words * WORD_BITS;
	fa->bitmap = bitmap;
	fa->nframes = nframes;
	fa->free_frames = 0;
	fa->total_frames = 0;
	fa->next = 0;
}

void frame_add_free(struct frame_allocator *fa, uint64_t base, uint64_t len)
{
	uint64_t end = (len > UINT64_MAX - base) ? UINT64_MAX : base + len;
	uint64_t first, last, n;

	if (base > UINT64_MAX - (FRAME_SIZE - 1))
		return;
	first = (base + FRAME_SIZE - 1) >> FRAME_SHIFT;
	last = end >> FRAME_SHIFT;
	if (last > fa->nframes)
		last = fa->nframes;
	if (first >= last)
		return;
	n = range_fill(fa, first, last, false);
	fa->free_frames += n;
	fa->total_frames += n;
	/* New memory below the hint would otherwise be found only after a wrap-around. */
	if (first / WORD_BITS < fa->next)
		fa->next = first / WORD_BITS;
}

void frame_reserve(struct frame_allocator *fa, uint64_t base, uint64_t len)
{
	uint64_t end = (len > UINT64_MAX - base) ? UINT64_MAX : base + len;
	uint64_t first = base >> FRAME_SHIFT;
	uint64_t last = (end >> FRAME_SHIFT) + ((end & (FRAME_SIZE - 1)) ? 1 : 0);
	uint64_t n;

	if (len == 0)
		return;
	if (last > fa->nframes)
		last = fa->nframes;
	if (first >= last)
		return;
	n = range_fill(fa, first, last, true);
	fa->free_frames -= n;
	fa->total_frames -= n;
}

int frame_alloc(struct frame_allocator *fa, uint64_t *pa)
{
	uint64_t words = (fa->nframes + WORD_BITS - 1) / WORD_BITS;

	if (fa->free_frames == 0)
		return -ENOMEM;
	for (uint64_t i = 0; i < words; i++) {
		uint64_t w = fa->next + i;

		if (w >= words)
			w -= words;
		if (fa->bitmap[w] != ~UINT64_C(0)) {
			unsigned bit = (unsigned)__builtin_ctzll(~fa->bitmap[w]);

			fa->bitmap[w] |= UINT64_C(1) << bit;
			fa->free_frames--;
			fa->next = w;
			*pa = (w * WORD_BITS + bit) << FRAME_SHIFT;
			return 0;
		}
	}
	return -ENOMEM; /* unreachable while free_frames is exact; kept as a safe answer */
}

int frame_alloc_contig(struct frame_allocator *fa, uint64_t npages, uint64_t align_pages,
		       uint64_t below_pa, uint64_t *pa)
{
	uint64_t limit = fa->nframes;
	uint64_t start = 0;

	if (align_pages == 0)
		align_pages = 1;
	if (npages == 0 || (align_pages & (align_pages - 1)) != 0)
		return -EINVAL;
	if (below_pa != 0 && (below_pa >> FRAME_SHIFT) < limit)
		limit = below_pa >> FRAME_SHIFT;
	if (npages > limit || npages > fa->free_frames)
		return -ENOMEM;
	while (start <= limit - npages) {
		uint64_t used = range_find(fa, start, start + npages, true);
		uint64_t free_at;

		if (used == start + npages) {
			range_fill(fa, start, start + npages, true);
			fa->free_frames -= npages;
			*pa = start << FRAME_SHIFT;
			return 0;
		}
		/* Skip the used stretch in one go, then round up to the next aligned candidate. */
		free_at = range_find(fa, used + 1, limit, false);
		if (free_at >= limit || free_at > UINT64_MAX - align_pages)
			break;
		start = (free_at + align_pages - 1) & ~(align_pages - 1);
	}
	return -ENOMEM;
}

int frame_free_contig(struct frame_allocator *fa, uint64_t pa, uint64_t npages)
{
	uint64_t first = pa >> FRAME_SHIFT;

	if ((pa & (FRAME_SIZE - 1)) != 0 || npages == 0)
		return -EINVAL;
	if (first >= fa->nframes || npages > fa->nframes - first)
		return -EINVAL;
	/* Check the whole run before touching it, so a double free changes nothing. */
	if (range_find(fa, first, first + npages, false) != first + npages)
		return -EINVAL;
	range_fill(fa, first, first + npages, false);
	fa->free_frames += npages;
	if (first / WORD_BITS < fa->next)
		fa->next = first / WORD_BITS;
	return 0;
}

int frame_free(struct frame_allocator *fa, uint64_t pa)
{
	return frame_free_contig(fa, pa, 1);
}

uint64_t frame_free_count(const struct frame_allocator *fa)
{
	return fa->free_frames;
}

uint64_t frame_total_count(const struct frame_allocator *fa)
{
	return fa->total_frames;
}
