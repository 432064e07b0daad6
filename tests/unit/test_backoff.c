/* Unit tests for shell/backoff.c: delays double from the base to the cap, per address (IPv4 and IPv6 apart),
 * a success or a quiet spell forgets, the bounded table evicts the oldest, and other addresses never wait. */
#include "../../shell/backoff.h"

#include <stdint.h>
#include <string.h>

#include "check.h"

static struct backoff b;
static const uint8_t v4a[4] = { 10, 0, 2, 2 }, v4b[4] = { 10, 0, 2, 3 };
static const uint8_t v6a[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 2, 2 };

static void test_growth_and_cap(void)
{
	backoff_init(&b, 0, 0, 0);
	CHECK_EQ(b.base_ms, BACKOFF_BASE_MS);
	CHECK_EQ(backoff_not_before(&b, v4a, 4, 1000), 0);
	uint64_t now = 1000, total = 0, prev = 0;
	for (int i = 1; i <= 20; i++) {
		uint64_t until = backoff_failure(&b, v4a, 4, now);
		uint64_t delay = until - now;
		CHECK(delay >= prev);
		if (i == 1)
			CHECK_EQ(delay, 250);
		if (i == 2)
			CHECK_EQ(delay, 500);
		if (i == 3)
			CHECK_EQ(delay, 1000);
		if (i >= 4)
			CHECK_EQ(delay, 2000);
		CHECK_EQ(backoff_not_before(&b, v4a, 4, now), until);
		prev = delay;
		total += delay;
		now = until; /* the next attempt comes as soon as allowed */
	}
	CHECK_EQ(total, 250 + 500 + 1000 + 17 * 2000);
	CHECK_EQ(backoff_failures(&b, v4a, 4, now), 20);
	/* Another address, and the same bytes as a different length, never wait. */
	CHECK_EQ(backoff_not_before(&b, v4b, 4, now), 0);
	CHECK_EQ(backoff_not_before(&b, v6a, 16, now), 0);
	CHECK_EQ(backoff_not_before(&b, v4a, 3, now), 0);
	/* Counting never overflows the delay. */
	b.slots[0].failures = UINT32_MAX - 1;
	for (int i = 0; i < 3; i++)
		CHECK_EQ(backoff_failure(&b, v4a, 4, now) - now, 2000);
}

static void test_success_and_forget(void)
{
	backoff_init(&b, 100, 800, 5000);
	backoff_failure(&b, v6a, 16, 0);
	backoff_failure(&b, v6a, 16, 100);
	CHECK_EQ(backoff_failures(&b, v6a, 16, 200), 2);
	CHECK_EQ(backoff_not_before(&b, v6a, 16, 200), 300);
	backoff_success(&b, v6a, 16);
	CHECK_EQ(backoff_failures(&b, v6a, 16, 200), 0);
	CHECK_EQ(backoff_not_before(&b, v6a, 16, 200), 0);
	CHECK_EQ(backoff_failure(&b, v6a, 16, 300), 400); /* starts over at the base */
	/* Quiet for the forget time: starts over too. */
	CHECK_EQ(backoff_failure(&b, v6a, 16, 400), 600);
	CHECK_EQ(backoff_failures(&b, v6a, 16, 5399), 2);
	CHECK_EQ(backoff_failures(&b, v6a, 16, 5400), 0);
	CHECK_EQ(backoff_failure(&b, v6a, 16, 5400), 5500);
	/* A cap below the base is raised to it. */
	backoff_init(&b, 500, 100, 0);
	CHECK_EQ(b.cap_ms, 500);
}

static void test_bounded_table(void)
{
	backoff_init(&b, 100, 1000, 1000000);
	uint8_t addr[4] = { 192, 168, 0, 0 };
	/* Fill every slot, the first address failing first. */
	for (int i = 0; i < BACKOFF_SLOTS; i++) {
		addr[3] = (uint8_t)i;
		backoff_failure(&b, addr, 4, 1000 + (uint64_t)i);
	}
	addr[3] = 0;
	CHECK_EQ(backoff_failures(&b, addr, 4, 2000), 1);
	/* One more address evicts the oldest (address .0), nothing else. */
	backoff_failure(&b, v4b, 4, 3000);
	CHECK_EQ(backoff_failures(&b, addr, 4, 3000), 0);
	addr[3] = 1;
	CHECK_EQ(backoff_failures(&b, addr, 4, 3000), 1);
	CHECK_EQ(backoff_failures(&b, v4b, 4, 3000), 1);
	/* An over-long address is cut to the maximum, never read past. */
	uint8_t longer[BACKOFF_ADDR_MAX + 8];
	memset(longer, 7, sizeof longer);
	backoff_failure(&b, longer, sizeof longer, 4000);
	CHECK_EQ(backoff_failures(&b, longer, BACKOFF_ADDR_MAX, 4000), 1);
}

int main(void)
{
	test_growth_and_cap();
	test_success_and_forget();
	test_bounded_table();
	return check_summary();
}
