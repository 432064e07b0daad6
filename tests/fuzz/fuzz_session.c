/* libFuzzer target for shell/session.c: a client's bytes in arbitrary chunks, with time jumping between
 * them, never break the session's bounds: commands handed out are at most SHELL_LINE_MAX bytes and
 * NUL-terminated, every call either takes bytes or reports an event, and the state stays valid. Input layout: byte 0 picks certificate login; then records of [len (1 byte), time step (1 byte),
 * len bytes of data]. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/session_fake_owner.h"

static struct session s;
static struct fake_owner o;
static struct credentials creds;

static void check(void)
{
	if (s.state > SESSION_CLOSED || s.len > SHELL_LINE_MAX || s.failures > SESSION_MAX_ATTEMPTS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct session_params base = {
		.hostname = "fuzz", .version = "0", .peer = "peer", .idle_ms = 5000,
	};
	struct session_params p = base;
	uint64_t now = 0;
	size_t pos = 1;

	if (!creds.has_password)
		fake_credentials(&creds, "pw", 1); /* one round: fuzzing is about the protocol, not PBKDF2 */
	if (size == 0)
		return 0;
	p.cert_pinned = data[0] & 1;
	memset(&o, 0, sizeof o);
	backoff_init(&o.backoff, 1, 4, 100);
	if (session_start(&s, &p, &creds, &fake_ops, &o, now) == SESSION_EV_CLOSE)
		return 0;
	while (pos + 2 <= size) {
		size_t len = data[pos], step = data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		now += step * 50;
		if (session_tick(&s, now) == SESSION_EV_CLOSE)
			return 0;
		size_t off = 0;
		while (off < len) {
			size_t used;
			enum session_event ev = session_feed(&s, data + pos + off, len - off, &used, now);
			check();
			if (used > len - off)
				abort();
			off += used;
			if (ev == SESSION_EV_CLOSE)
				return 0;
			if (ev == SESSION_EV_RUN) {
				size_t clen;
				const char *cmd = session_command(&s, &clen);
				if (clen > SHELL_LINE_MAX || cmd[clen] != '\0')
					abort();
				session_output(&s, cmd, clen); /* echo the line back: RS stuffing gets exercised */
				session_command_done(&s, (int)(clen & 1), now);
			} else if (used == 0 && off < len) {
				abort(); /* no progress without an event */
			}
		}
		pos += len;
	}
	return 0;
}
