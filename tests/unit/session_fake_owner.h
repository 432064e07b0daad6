/* A fake owner for shell/session.c in host tests and fuzzing: output and log lines collected in buffers,
 * the back-off table of shell/backoff.c for one peer address, and credentials with a cheap password hash
 * (the iteration floor applies to keel.cfg's lines, not to the session). */
#ifndef KEEL_TEST_SESSION_FAKE_OWNER_H
#define KEEL_TEST_SESSION_FAKE_OWNER_H

#include <stdint.h>
#include <string.h>

#include "../../shell/backoff.h"
#include "../../shell/credentials.h"
#include "../../shell/session.h"

struct fake_owner {
	char out[65536];
	size_t out_len;
	char log[16384];
	size_t log_len;
	unsigned oks;
	struct backoff backoff;
	uint8_t addr[4];
};

static inline void fake_emit(void *owner, const char *data, size_t n)
{
	struct fake_owner *o = owner;
	size_t room = sizeof o->out - 1 - o->out_len;
	if (n > room)
		n = room;
	memcpy(o->out + o->out_len, data, n);
	o->out_len += n;
	o->out[o->out_len] = '\0';
}

static inline void fake_log(void *owner, const char *line)
{
	struct fake_owner *o = owner;
	size_t n = strlen(line), room = sizeof o->log - 2 - o->log_len;
	if (n > room)
		n = room;
	memcpy(o->log + o->log_len, line, n);
	o->log_len += n;
	o->log[o->log_len++] = '\n';
	o->log[o->log_len] = '\0';
}

static inline uint64_t fake_not_before(void *owner, uint64_t now_ms)
{
	struct fake_owner *o = owner;
	return backoff_not_before(&o->backoff, o->addr, sizeof o->addr, now_ms);
}

static inline uint64_t fake_failed(void *owner, uint64_t now_ms)
{
	struct fake_owner *o = owner;
	return backoff_failure(&o->backoff, o->addr, sizeof o->addr, now_ms);
}

static inline void fake_ok(void *owner)
{
	struct fake_owner *o = owner;
	o->oks++;
	backoff_success(&o->backoff, o->addr, sizeof o->addr);
}

static const struct session_ops fake_ops = {
	.emit = fake_emit,
	.log = fake_log,
	.auth_not_before = fake_not_before,
	.auth_failed = fake_failed,
	.auth_ok = fake_ok,
};

/* Credentials whose password is `password`, hashed with `iterations` rounds. */
static inline void fake_credentials(struct credentials *c, const char *password, uint32_t iterations)
{
	memset(c, 0, sizeof *c);
	c->has_password = true;
	c->password.iterations = iterations;
	c->password.salt_len = 8;
	memcpy(c->password.salt, "saltsalt", 8);
	credentials_pbkdf2_sha256((const uint8_t *)password, strlen(password), c->password.salt, 8, iterations,
				  c->password.hash, CRED_HASH_LEN);
}

#endif
