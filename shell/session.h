/* One network shell session as a pure state machine: fed the bytes a client sends (after TLS), it emits
 * the bytes to send back, logs in the administrator (a pinned client certificate, or a password checked
 * against the credentials, with the owner's back-off per address), and hands each command line to its
 * owner to run. Humans (openssl s_client) see a banner, `password: ` and `keel> `; keelctl announces
 * itself and gets control lines instead of prompts, with a status line closing every reply. The wire
 * format is docs/PROTOCOL.md. No clock, no threads: time comes in with every call. */
#ifndef KEEL_SHELL_SESSION_H
#define KEEL_SHELL_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "credentials.h"
#include "grammar.h"

#define SESSION_CONTROL         '\x1e' /* ASCII RS: starts every control line */
#define SESSION_IDLE_MS         300000 /* default idle timeout */
#define SESSION_MAX_ATTEMPTS    3      /* failed passwords before the connection is closed */
#define SESSION_PROTOCOL        "1"

/* What the owner provides. Every callback gets the owner pointer given to session_start. */
struct session_ops {
	/* Bytes for the client (the owner encrypts and sends them). */
	void (*emit)(void *owner, const char *data, size_t n);
	/* One line (no newline) for the host's log: logins, failures with the peer's address, closes. */
	void (*log)(void *owner, const char *line);
	/* Back-off for this session's peer address (see backoff.h): when the next password may be checked,
	 * recording a failure (returns the new time), and a success. The owner locks if sessions share a
	 * table across threads. */
	uint64_t (*auth_not_before)(void *owner, uint64_t now_ms);
	uint64_t (*auth_failed)(void *owner, uint64_t now_ms);
	void (*auth_ok)(void *owner);
};

struct session_params {
	const char *hostname;
	const char *version;
	const char *peer;          /* the peer's address as text, for the log, e.g. "10.0.2.2:40312" */
	uint32_t idle_ms;          /* 0: SESSION_IDLE_MS */
	bool cert_pinned;          /* the client's TLS certificate matched an admin_cert_sha256 */
};

enum session_state {
	SESSION_AUTH,    /* waiting for a password line */
	SESSION_WAIT,    /* back-off: input is dropped until the password prompt comes again */
	SESSION_READY,   /* logged in, waiting for a command line */
	SESSION_RUNNING, /* a command line was handed out; session_command_done comes next */
	SESSION_CLOSED,  /* the owner closes the connection */
};

/* What session_feed and session_tick ask of the owner. */
enum session_event {
	SESSION_EV_NONE,
	SESSION_EV_RUN,   /* run session_command(); send its output through session_output, then command_done */
	SESSION_EV_CLOSE, /* everything for the client was emitted; close the connection */
};

struct session {
	enum session_state state;
	const struct session_ops *ops;
	void *owner;
	struct session_params params;
	struct credentials creds;
	bool framed;          /* the client announced itself as keelctl */
	bool out_line_start;  /* the last byte emitted ended a line (or nothing was emitted) */
	bool in_overlong;     /* the line being received passed SHELL_LINE_MAX: dropped at its end */
	bool in_after_cr;     /* the previous byte received was CR: a LF right after it ends nothing */
	unsigned failures;    /* failed passwords on this connection */
	uint64_t not_before;  /* SESSION_WAIT: when the password prompt comes back */
	uint64_t last_input;  /* for the idle timeout */
	size_t len;
	char line[SHELL_LINE_MAX + 1];
};

/* Starts a session: copies params and creds (the strings in params must outlive the session), emits the
 * banner and the first prompt, or closes at once when there is no way to log in. */
enum session_event session_start(struct session *s, const struct session_params *params,
				 const struct credentials *creds, const struct session_ops *ops, void *owner,
				 uint64_t now_ms);

/* Feeds n received bytes. Stops early on an event: *consumed says how many bytes were taken; after
 * SESSION_EV_RUN the owner feeds the rest once the command is done. Never called while RUNNING. */
enum session_event session_feed(struct session *s, const uint8_t *data, size_t n, size_t *consumed,
				uint64_t now_ms);

/* The command line to run (NUL-terminated, at most SHELL_LINE_MAX bytes) after SESSION_EV_RUN. */
const char *session_command(const struct session *s, size_t *len);

/* Command output for the client (a shell_ctx write callback may call this directly). */
void session_output(struct session *s, const char *data, size_t n);

/* The command finished with status (0 success, anything else failure): ends the reply, prompts again. */
void session_command_done(struct session *s, int status, uint64_t now_ms);

/* Time passes: ends a back-off wait (prompting again) or closes an idle session. */
enum session_event session_tick(struct session *s, uint64_t now_ms);

/* When session_tick must next be called (UINT64_MAX: only when input comes). */
uint64_t session_wakeup(const struct session *s);

#endif
