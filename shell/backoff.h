/* Failed-login back-off per peer address: each failure from an address pushes that address's next
 * allowed attempt further out (doubling from a base delay up to a cap); a success or a quiet spell
 * forgets it. The table is bounded (the least recently failing address goes first) and only answers with
 * deadlines: the caller's session waits, nothing else does. Pure logic (time is passed in). */
#ifndef KEEL_SHELL_BACKOFF_H
#define KEEL_SHELL_BACKOFF_H

#include <stddef.h>
#include <stdint.h>

#define BACKOFF_ADDR_MAX   16   /* IPv6 */
#define BACKOFF_SLOTS      64
#define BACKOFF_BASE_MS    250  /* delay after the first failure */
#define BACKOFF_CAP_MS     2000 /* longest delay: 20 failures take about 36 s */
#define BACKOFF_FORGET_MS  60000 /* an address with no failure for this long starts over */

struct backoff_entry {
	uint8_t addr[BACKOFF_ADDR_MAX];
	uint8_t addr_len; /* 0: free slot */
	uint32_t failures;
	uint64_t last_failure_ms;
	uint64_t not_before_ms;
};

struct backoff {
	uint32_t base_ms, cap_ms, forget_ms;
	struct backoff_entry slots[BACKOFF_SLOTS];
};

/* Empties b with the given policy (0 for any of them picks the default above). */
void backoff_init(struct backoff *b, uint32_t base_ms, uint32_t cap_ms, uint32_t forget_ms);

/* When addr (len bytes, at most BACKOFF_ADDR_MAX; 4 for IPv4, 16 for IPv6) may next try: a time <= now
 * means at once. */
uint64_t backoff_not_before(const struct backoff *b, const uint8_t *addr, size_t len, uint64_t now_ms);

/* Records a failed login from addr at now_ms; returns the time its next attempt may be checked. */
uint64_t backoff_failure(struct backoff *b, const uint8_t *addr, size_t len, uint64_t now_ms);

/* Forgets addr's failures (a successful login). */
void backoff_success(struct backoff *b, const uint8_t *addr, size_t len);

/* Failures on record for addr (0 when forgotten). */
uint32_t backoff_failures(const struct backoff *b, const uint8_t *addr, size_t len, uint64_t now_ms);

#endif
