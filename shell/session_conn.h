/* One network shell connection once TCP has accepted it: the TLS layer (tls_server.h) over the owner's
 * transport, the session machine (session.h) fed from a buffer of decrypted input, commands handed to the
 * owner, and the session's back-off calls on a table the owner shares between connections. The glue that
 * the image's front end (shell/net_shell.c) and the host test server (tests/tools/shell_test_server.c)
 * both run; waiting for input, threads, clocks and the command table stay theirs.
 *
 * Order: session_conn_init, session_conn_handshake until 0 (waiting for the transport on WANT_READ), then
 * session_conn_start, then session_conn_receive / session_conn_feed (and session_conn_tick at
 * session_conn_wakeup) until one says the session is over; session_conn_end in every case. */
#ifndef KEEL_SHELL_SESSION_CONN_H
#define KEEL_SHELL_SESSION_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "shell/backoff.h"
#include "shell/command.h"
#include "shell/credentials.h"
#include "shell/session.h"
#include "shell/tls_server.h"

#define SESSION_CONN_INPUT 4096 /* decrypted bytes read at once */

struct session_conn;

/* What every connection of one owner shares. */
struct session_conn_env {
	const struct tls_server *tls;
	const char *hostname, *version;
	uint32_t idle_ms;                   /* 0: SESSION_IDLE_MS */
	struct backoff *backoff;            /* failed logins per peer address, shared by all connections */
	void (*backoff_lock)(bool take);    /* takes (true) or drops (false) the table's lock */
	/* Serialises this connection's TLS context between its thread and another writer (a command's helper
	 * thread, e.g. vm connect's console pump); NULL when only the connection's thread ever touches it. */
	void (*tls_lock)(struct session_conn *c, bool take);
	void (*log)(const char *line);      /* one line for the host's log, no newline */
	uint64_t (*now_ms)(void);
	/* Runs one command line with ctx (whose output goes to the client; the owner may set ctx->priv);
	 * returns the command's status. */
	int (*run_command)(struct session_conn *c, struct shell_ctx *ctx, const char *line, size_t len);
};

struct session_conn {
	const struct session_conn_env *env;
	void *owner; /* the owner's per-connection data */
	char peer[48];
	uint8_t addr[BACKOFF_ADDR_MAX];
	size_t addr_len;
	int write_error; /* the first failed write: the session ends */
	bool handshaken;
	struct tls_conn tls;
	struct session session;
	uint8_t in[SESSION_CONN_INPUT];
	size_t in_pos, in_len;
};

/* Sets c up over a transport (mbedTLS's callback conventions, see tls_server.h) for the peer peer (text for
 * logs) at addr (addr_len bytes, the back-off key). 0 or a negative mbedTLS error (nothing to end then). */
int session_conn_init(struct session_conn *c, const struct session_conn_env *env, void *owner, tls_send_fn send,
		      tls_recv_fn recv, void *io, const char *peer, const uint8_t *addr, size_t addr_len);

/* One step of the handshake: 0 when done, MBEDTLS_ERR_SSL_WANT_READ/WANT_WRITE, or another error. */
int session_conn_handshake(struct session_conn *c);

/* Starts the session (banner, login by pinned certificate or password prompt) with a copy of creds.
 * False when the session is over already. */
bool session_conn_start(struct session_conn *c, const struct credentials *creds);

/* Reads decrypted input into the buffer (only when the buffer is used up): the byte count, or
 * MBEDTLS_ERR_SSL_WANT_READ when the transport has nothing now, or <= 0 otherwise at the end of the
 * connection. */
int session_conn_receive(struct session_conn *c);

/* Feeds the buffered input to the session, running the commands it hands out. False when the session is
 * over (logout, failed logins, a write that failed). */
bool session_conn_feed(struct session_conn *c);

/* The next buffered input byte that the session has not taken, or -1 when none is left (for interactive
 * commands, which read the connection themselves). */
int session_conn_next_byte(struct session_conn *c);

/* Whether the client has logged in (and the session has not ended). */
bool session_conn_logged_in(const struct session_conn *c);

/* When session_conn_tick must run (the owner's now_ms clock; UINT64_MAX: only with input). */
uint64_t session_conn_wakeup(const struct session_conn *c);
/* Ends back-off waits and idle sessions. False when the session is over. */
bool session_conn_tick(struct session_conn *c);

/* Sends one line to the client outside any session (a refusal) and says goodbye at the TLS level. */
void session_conn_say(struct session_conn *c, const char *line);

/* Says goodbye at the TLS level when the handshake was done, and frees the TLS context. */
void session_conn_end(struct session_conn *c);

#endif
