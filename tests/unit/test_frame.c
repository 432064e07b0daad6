/* Unit tests for kernel/mm/frame.c: range rounding and clipping, counters, single and contiguous
 * allocation, alignment and address limits, double and bad frees, and the search hint. */
#include "../../kernel/mm/frame.h"

#include <errno.h>
#include <stdint.h>

#include "check.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static uint64_t bitmap[(4 * GiB / FRAME_SIZE) / 64]; /* covers 4 GiB */

static void test_init_and_ranges(void)
{
	struct frame_allocator fa;
	uint64_t pa;

	frame_init(&fa, bitmap, sizeof(bitmap), 64 * MiB);
	CHECK_EQ(fa.nframes, 64 * MiB / FRAME_SIZE);
	CHECK_EQ(frame_free_count(&fa), 0);
	CHECK_EQ(frame_total_count(&fa), 0);
	CHECK_EQ(frame_alloc(&fa, &pa), -ENOMEM);

	/* Inward rounding: 0x1001..0x5fff holds frames 2,3,4 only. */
	frame_add_free(&fa, 0x1001, 0x5fff - 0x1001);
	CHECK_EQ(frame_free_count(&fa), 3);
	CHECK_EQ(frame_total_count(&fa), 3);
	/* Adding the same range again counts nothing twice. */
	frame_add_free(&fa, 0x2000, 0x3000);
	CHECK_EQ(frame_free_count(&fa), 3);
	/* A range smaller than a frame adds nothing. */
	frame_add_free(&fa, 0x10001, 0xffe);
	CHECK_EQ(frame_free_count(&fa), 3);
	/* Clipped to max_phys; a range beyond it adds nothing; a wrapping length is clipped too. */
	frame_add_free(&fa, 64 * MiB - 2 * FRAME_SIZE, 16 * MiB);
	CHECK_EQ(frame_free_count(&fa), 5);
	frame_add_free(&fa, 128 * MiB, 16 * MiB);
	frame_add_free(&fa, UINT64_MAX - 10, 100);
	frame_add_free(&fa, 63 * MiB, UINT64_MAX);
	CHECK_EQ(frame_free_count(&fa), 5 + 256 - 2);
	CHECK_EQ(frame_total_count(&fa), 5 + 256 - 2);

	/* Outward rounding: reserving 0x2fff..0x3001 takes frames 2 and 3. */
	frame_reserve(&fa, 0x2fff, 2);
	CHECK_EQ(frame_free_count(&fa), 3 + 256 - 2);
	CHECK_EQ(frame_total_count(&fa), 3 + 256 - 2);
	frame_reserve(&fa, 0x2fff, 0); /* empty: nothing */
	frame_reserve(&fa, UINT64_MAX - 5, 100); /* beyond range: nothing */
	CHECK_EQ(frame_free_count(&fa), 257);
	CHECK(frame_alloc(&fa, &pa) == 0 && pa == 0x4000);
}

static void test_bitmap_smaller_than_max_phys(void)
{
	uint64_t small[2];
	struct frame_allocator fa;
	uint64_t pa;
	int n = 0;

	frame_init(&fa, small, sizeof(small), 4 * GiB);
	CHECK_EQ(fa.nframes, 128);
	frame_add_free(&fa, 0, 4 * GiB);
	CHECK_EQ(frame_free_count(&fa), 128);
	while (frame_alloc(&fa, &pa) == 0) {
		CHECK(pa < 128 * FRAME_SIZE);
		n++;
	}
	CHECK_EQ(n, 128);
	CHECK_EQ(frame_free_count(&fa), 0);
	CHECK_EQ(frame_free(&fa, 128 * FRAME_SIZE), -EINVAL);
	CHECK_EQ(frame_free(&fa, 127 * FRAME_SIZE), 0);
	CHECK(frame_alloc(&fa, &pa) == 0 && pa == 127 * FRAME_SIZE);
}

static void test_alloc_free(void)
{
	struct frame_allocator fa;
	uint64_t pa, seen[300];
	unsigned dup = 0;

	frame_init(&fa, bitmap, sizeof(bitmap), 16 * MiB);
	frame_add_free(&fa, 1 * MiB, 300 * FRAME_SIZE);
	for (unsigned i = 0; i < 300; i++) {
		CHECK_EQ(frame_alloc(&fa, &seen[i]), 0);
		CHECK(seen[i] >= 1 * MiB && seen[i] < 1 * MiB + 300 * FRAME_SIZE);
		CHECK_EQ(seen[i] % FRAME_SIZE, 0);
		for (unsigned j = 0; j < i; j++)
			dup += seen[i] == seen[j];
	}
	CHECK_EQ(dup, 0);
	CHECK_EQ(frame_alloc(&fa, &pa), -ENOMEM);
	CHECK_EQ(frame_free_count(&fa), 0);
	CHECK_EQ(frame_total_count(&fa), 300);

	/* Bad frees change nothing. */
	CHECK_EQ(frame_free(&fa, seen[5] + 1), -EINVAL);
	CHECK_EQ(frame_free(&fa, 16 * MiB), -EINVAL);
	CHECK_EQ(frame_free(&fa, UINT64_MAX & ~(FRAME_SIZE - 1)), -EINVAL);
	/* One bit cannot tell "never added" from "allocated": freeing frame 0 is accepted. */
	CHECK_EQ(frame_free(&fa, 0), 0);
	CHECK_EQ(frame_free_count(&fa), 1);
	CHECK(frame_alloc(&fa, &pa) == 0 && pa == 0);

	CHECK_EQ(frame_free(&fa, seen[7]), 0);
	CHECK_EQ(frame_free_count(&fa), 1);
	CHECK_EQ(frame_free(&fa, seen[7]), -EINVAL); /* double free */
	CHECK_EQ(frame_free_count(&fa), 1);
	CHECK(frame_alloc(&fa, &pa) == 0 && pa == seen[7]);
	for (unsigned i = 0; i < 300; i++)
		CHECK_EQ(frame_free(&fa, seen[i]), 0);
	CHECK_EQ(frame_free_count(&fa), 300);
}

static void test_hint(void)
{
	struct frame_allocator fa;
	uint64_t pa, prev = 0;
	int ordered = 1;

	frame_init(&fa, bitmap, sizeof(bitmap), 4 * GiB);
	frame_add_free(&fa, 0, 4 * GiB);
	/* Sequential allocations come out in order and the hint follows them. */
	for (unsigned i = 0; i < 1000; i++) {
		CHECK_EQ(frame_alloc(&fa, &pa), 0);
		if (i && pa != prev + FRAME_SIZE)
			ordered = 0;
		prev = pa;
	}
	CHECK(ordered);
	CHECK_EQ(fa.next, 999 / 64);
	/* A free below the hint moves it back, so the freed frame is reused first. */
	CHECK_EQ(frame_free(&fa, 5 * FRAME_SIZE), 0);
	CHECK_EQ(fa.next, 0);
	CHECK(frame_alloc(&fa, &pa) == 0 && pa == 5 * FRAME_SIZE);
	CHECK(frame_alloc(&fa, &pa) == 0 && pa == 1000 * FRAME_SIZE);
	/* Wrap-around: hint near the top, free frames only at the bottom. */
	frame_reserve(&fa, 0, 4 * GiB);
	CHECK_EQ(frame_free_count(&fa), 0);
	frame_add_free(&fa, 4 * GiB - 64 * FRAME_SIZE, 64 * FRAME_SIZE);
	for (unsigned i = 0; i < 64; i++)
		frame_alloc(&fa, &pa);
	CHECK_EQ(pa, 4 * GiB - FRAME_SIZE);
	CHECK_EQ(frame_free(&fa, 0x3000), 0); /* frame 3 was allocated before the reserve */
	CHECK(frame_alloc(&fa, &pa) == 0 && pa == 0x3000);
}

static void test_contig(void)
{
	struct frame_allocator fa;
	uint64_t pa, pb;

	frame_init(&fa, bitmap, sizeof(bitmap), 4 * GiB);
	frame_add_free(&fa, 0, 4 * GiB);
	CHECK_EQ(frame_alloc_contig(&fa, 0, 1, 0, &pa), -EINVAL);
	CHECK_EQ(frame_alloc_contig(&fa, 1, 3, 0, &pa), -EINVAL);
	CHECK_EQ(frame_alloc_contig(&fa, UINT64_MAX, 1, 0, &pa), -ENOMEM);

	frame_reserve(&fa, 0, FRAME_SIZE); /* frame 0 used */
	CHECK(frame_alloc_contig(&fa, 3, 0, 0, &pa) == 0 && pa == FRAME_SIZE);
	CHECK(frame_alloc_contig(&fa, 1, 4, 0, &pa) == 0 && pa == 4 * FRAME_SIZE);
	/* 2 MiB alignment (512 frames). */
	CHECK(frame_alloc_contig(&fa, 512, 512, 0, &pa) == 0 && pa == 2 * MiB);
	CHECK(frame_alloc_contig(&fa, 600, 512, 0, &pa) == 0 && pa == 4 * MiB);
	CHECK_EQ(frame_free_count(&fa), 4 * GiB / FRAME_SIZE - 1 - 3 - 1 - 512 - 600);
	/* Unaligned allocations fill the hole before 2 MiB. */
	CHECK(frame_alloc_contig(&fa, 100, 1, 0, &pb) == 0 && pb == 5 * FRAME_SIZE);

	/* Address limit: the run must end at or below below_pa. */
	CHECK_EQ(frame_alloc_contig(&fa, 512, 1, 2 * MiB, &pa), -ENOMEM);
	CHECK(frame_alloc_contig(&fa, 2, 1, 106 * FRAME_SIZE + 2 * FRAME_SIZE, &pa) == 0 &&
	      pa == 105 * FRAME_SIZE);
	CHECK_EQ(frame_alloc_contig(&fa, 1, 1, 0x1000, &pa), -ENOMEM); /* frame 0 reserved */

	/* Contiguous frees: whole run or nothing. */
	CHECK_EQ(frame_free_contig(&fa, pb, 0), -EINVAL);
	CHECK_EQ(frame_free_contig(&fa, pb + 1, 2), -EINVAL);
	CHECK_EQ(frame_free_contig(&fa, 4 * GiB - FRAME_SIZE, 2), -EINVAL);
	CHECK_EQ(frame_free_contig(&fa, pb, 100), 0);
	CHECK_EQ(frame_free_contig(&fa, pb + 10 * FRAME_SIZE, 1), -EINVAL);
	CHECK_EQ(frame_free(&fa, 105 * FRAME_SIZE), 0);
	/* 105 free, 106 used: the run 105..106 is rejected and 106 stays used. */
	{
		uint64_t before = frame_free_count(&fa);

		CHECK_EQ(frame_free_contig(&fa, 105 * FRAME_SIZE, 2), -EINVAL);
		CHECK_EQ(frame_free_count(&fa), before);
		CHECK_EQ(frame_free(&fa, 106 * FRAME_SIZE), 0);
		CHECK_EQ(frame_free_count(&fa), before + 1);
	}
	/* Fragmentation: free every other frame of a region; no run of 2 fits below its end. */
	frame_init(&fa, bitmap, sizeof(bitmap), 1 * MiB);
	for (uint64_t f = 0; f < 256; f += 2)
		frame_add_free(&fa, f * FRAME_SIZE, FRAME_SIZE);
	CHECK_EQ(frame_alloc_contig(&fa, 2, 1, 0, &pa), -ENOMEM);
	CHECK_EQ(frame_free_count(&fa), 128);
	CHECK(frame_alloc_contig(&fa, 1, 8, 0, &pa) == 0 && pa == 0);
	CHECK(frame_alloc_contig(&fa, 1, 8, 0, &pa) == 0 && pa == 8 * FRAME_SIZE);
	/* The whole covered range in one run. */
	frame_init(&fa, bitmap, sizeof(bitmap), 1 * MiB);
	frame_add_free(&fa, 0, 1 * MiB);
	CHECK(frame_alloc_contig(&fa, 256, 256, 0, &pa) == 0 && pa == 0);
	CHECK_EQ(frame_free_count(&fa), 0);
	CHECK_EQ(frame_free_contig(&fa, 0, 257), -EINVAL);
	CHECK_EQ(frame_free_contig(&fa, 0, 256), 0);
	CHECK_EQ(frame_free_count(&fa), 256);
}

/* Random operations against a shadow array: counters and states must always agree. */
static void test_random_against_model(void)
{
	static uint8_t model[8192];
	struct frame_allocator fa;
	uint64_t seed = 12345, pa;
	uint64_t free_model = 0, total_model = 0;
	int mismatch = 0;

	frame_init(&fa, bitmap, sizeof(bitmap), sizeof(model) * FRAME_SIZE);
	for (unsigned i = 0; i < sizeof(model); i++)
		model[i] = 1;
	for (unsigned step = 0; step < 20000; step++) {
		uint64_t r, f, n;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		r = seed >> 33;
		f = r % sizeof(model);
		n = 1 + (r >> 20) % 40;
		if (f + n > sizeof(model))
			n = sizeof(model) - f;
		switch (r % 5) {
		case 0:
			frame_add_free(&fa, f * FRAME_SIZE, n * FRAME_SIZE);
			for (uint64_t k = f; k < f + n; k++)
				if (model[k]) {
					model[k] = 0;
					free_model++;
					total_model++;
				}
			break;
		case 1:
			if (r % 7 == 0) {
				frame_reserve(&fa, f * FRAME_SIZE, n * FRAME_SIZE);
				for (uint64_t k = f; k < f + n; k++)
					if (!model[k]) {
						model[k] = 1;
						free_model--;
						total_model--;
					}
			}
			break;
		case 2:
			if (frame_alloc(&fa, &pa) == 0) {
				mismatch += model[pa / FRAME_SIZE] != 0;
				model[pa / FRAME_SIZE] = 1;
				free_model--;
			} else {
				mismatch += free_model != 0;
			}
			break;
		case 3: {
			uint64_t align = UINT64_C(1) << (r % 4);
			int rc = frame_alloc_contig(&fa, n, align, 0, &pa);

			if (rc == 0) {
				for (uint64_t k = pa / FRAME_SIZE; k < pa / FRAME_SIZE + n; k++) {
					mismatch += model[k] != 0;
					model[k] = 1;
				}
				mismatch += (pa / FRAME_SIZE) % align != 0;
				free_model -= n;
			}
			break;
		}
		default: {
			int all_used = 1;

			for (uint64_t k = f; k < f + n; k++)
				all_used &= model[k];
			if (frame_free_contig(&fa, f * FRAME_SIZE, n) == 0) {
				mismatch += !all_used;
				for (uint64_t k = f; k < f + n; k++)
					model[k] = 0;
				free_model += n;
			} else {
				mismatch += all_used;
			}
		}
		}
		mismatch += frame_free_count(&fa) != free_model;
		mismatch += frame_total_count(&fa) != total_model;
	}
	CHECK_EQ(mismatch, 0);
	for (unsigned k = 0; k < sizeof(model); k++)
		mismatch += ((bitmap[k / 64] >> (k % 64)) & 1) != model[k];
	CHECK_EQ(mismatch, 0);
}

int main(void)
{
	test_init_and_ranges();
	test_bitmap_smaller_than_max_phys();
	test_alloc_free();
	test_hint();
	test_contig();
	test_random_against_model();
	return check_summary();
}
