/* Failed-login back-off per peer address (see backoff.h). */
#include <string.h>
#include "backoff.h"

void backoff_init(struct backoff *b, uint32_t base_ms, uint32_t cap_ms, uint32_t forget_ms)
{
	memset(b, 0, sizeof *b);
	b->base_ms = base_ms ? base_ms : BACKOFF_BASE_MS;
	b->cap_ms = cap_ms ? cap_ms : BACKOFF_CAP_MS;
	b->forget_ms = forget_ms ? forget_ms : BACKOFF_FORGET_MS;
	if (b->cap_ms < b->base_ms)
		b->cap_ms = b->base_ms;
}

static size_t clamp_len(size_t len)
{
	return len > BACKOFF_ADDR_MAX ? BACKOFF_ADDR_MAX : len;
}

/* addr's live entry, or NULL; an entry past its forget time counts as gone. */
static struct backoff_entry *find(const struct backoff *b, const uint8_t *addr, size_t len, uint64_t now_ms)
{
	len = clamp_len(len);
	for (size_t i = 0; i < BACKOFF_SLOTS; i++) {
		const struct backoff_entry *e = &b->slots[i];
		if (e->addr_len == len && len > 0 && memcmp(e->addr, addr, len) == 0)
			return now_ms - e->last_failure_ms >= b->forget_ms && now_ms >= e->last_failure_ms
				       ? NULL
				       : (struct backoff_entry *)e;
	}
	return NULL;
}

uint64_t backoff_not_before(const struct backoff *b, const uint8_t *addr, size_t len, uint64_t now_ms)
{
	const struct backoff_entry *e = find(b, addr, len, now_ms);
	return e ? e->not_before_ms : 0;
}

uint32_t backoff_failures(const struct backoff *b, const uint8_t *addr, size_t len, uint64_t now_ms)
{
	const struct backoff_entry *e = find(b, addr, len, now_ms);
	return e ? e->failures : 0;
}

uint64_t backoff_failure(struct backoff *b, const uint8_t *addr, size_t len, uint64_t now_ms)
{
	struct backoff_entry *e = find(b, addr, len, now_ms);
	len = clamp_len(len);
	if (!e) {
		/* addr's stale entry, else a free slot, else the one whose last failure is oldest. */
		struct backoff_entry *victim = NULL;
		for (size_t i = 0; i < BACKOFF_SLOTS && !e; i++) {
			struct backoff_entry *s = &b->slots[i];
			if (s->addr_len == len && memcmp(s->addr, addr, len) == 0)
				e = s;
			else if (!victim || (victim->addr_len && (!s->addr_len ||
								  s->last_failure_ms < victim->last_failure_ms)))
				victim = s;
		}
		if (!e)
			e = victim;
		memset(e, 0, sizeof *e);
		memcpy(e->addr, addr, len);
		e->addr_len = (uint8_t)len;
	}
	if (e->failures < UINT32_MAX)
		e->failures++;
	uint64_t delay = b->base_ms;
	for (uint32_t i = 1; i < e->failures && delay < b->cap_ms; i++)
		delay *= 2;
	if (delay > b->cap_ms)
		delay = b->cap_ms;
	e->last_failure_ms = now_ms;
	e->not_before_ms = now_ms + delay;
	return e->not_before_ms;
}

void backoff_success(struct backoff *b, const uint8_t *addr, size_t len)
{
	len = clamp_len(len);
	for (size_t i = 0; i < BACKOFF_SLOTS; i++) {
		struct backoff_entry *e = &b->slots[i];
		if (e->addr_len == len && len > 0 && memcmp(e->addr, addr, len) == 0)
			memset(e, 0, sizeof *e);
	}
}
