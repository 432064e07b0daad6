/* The network shell's front end (see net_shell.h): accepts connections from net/listener.h, runs each in
 * its own thread through shell/session_conn.c (TLS over the listener's connection, the session machine,
 * the real command registry, frontend.h's read_byte for interactive commands), and bounds everything a
 * client can hold: a deadline on the TLS handshake and on every send, the session's idle and back-off
 * deadlines, a fixed number of sessions. When they are all taken, a connection that has not logged in makes
 * room (so connections that never finish a handshake or a login cannot lock the administrator out), chosen
 * so that a flood cannot push out a client on its way in (see pick_victim); when every session is logged
 * in, the newcomer is told in one line to come back later. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/arch.h"
#include "kernel/crypto/host_identity.h"
#include "kernel/crypto/random.h"
#include "kernel/log.h"
#include "kernel/sched/semaphore.h"
#include "kernel/sched/spinlock.h"
#include "kernel/sched/thread.h"
#include "kernel/settings.h"
#include "kernel/time.h"
#include "kernel/version.h"
#include "mbedtls/net_sockets.h"
#include "net/listener.h"
#include "shell/frontend.h"
#include "shell/net_shell.h"
#include "shell/registry.h"
#include "shell/remote_access.h"
#include "shell/session_conn.h"

/* Measured high-water marks of a session thread's stack (a zeroed stack scanned after the session): 5.0 KiB
 * through an ECDHE-ECDSA handshake (X25519 or P-256, with or without a client certificate) and a password
 * login (PBKDF2); 7.1 KiB with `help`. Commands are written for the serial shell's 16 KiB stack: that,
 * plus room for the session and TLS layers beneath them. */
#define SESSION_STACK   (24 * 1024)
#define HANDSHAKE_MS    10000 /* from accept to a finished TLS handshake */
#define SEND_MS         30000 /* a client that reads nothing for this long is dropped */
#define REFUSALS_MAX    4     /* threads telling clients that the shell is full, at once */

struct net_session {
	struct net_conn *conn;
	struct session_conn sc;
	struct semaphore tls_lock; /* the session thread and vm connect's console pump both write */
	struct shell_frontend frontend;
	uint64_t accepted_tsc;
	int slot;         /* in slots[]; -1: a refusal, or dropped to make room */
	bool refusal;     /* only tells the client that the shell is full */
	bool handshaken;  /* dropped to make room only after those still in their TLS handshake */
	bool logged_in;   /* never dropped to make room */
	unsigned open_at_accept;
};

static struct tls_server tls;
static struct backoff backoff;
static struct spinlock backoff_lock = SPINLOCK_INIT;
static uint64_t backoff_flags;

/* The sessions, and the threads that are not in a slot: refusals and dropped ones winding down. */
static struct spinlock slots_lock = SPINLOCK_INIT;
static struct net_session **slots;
static unsigned max_sessions, open_sessions, refusing, draining;
static unsigned live; /* session threads, until each has given back all it held */

static uint64_t now_ms(void) { return time_uptime_ms(); }

static uint64_t tsc_after_ms(uint64_t ms) { return rdtsc() + ms * (time_tsc_hz() / 1000); }

static void lock_backoff(bool take)
{
	if (take)
		backoff_flags = spin_lock(&backoff_lock);
	else
		spin_unlock(&backoff_lock, backoff_flags);
}

static void lock_tls(struct session_conn *c, bool take)
{
	struct net_session *s = c->owner;
	if (take)
		semaphore_down(&s->tls_lock);
	else
		semaphore_up(&s->tls_lock);
}

static void log_line(const char *line) { log_printf("%s\n", line); }

static int run_command(struct session_conn *c, struct shell_ctx *ctx, const char *line, size_t len)
{
	size_t count;
	const struct shell_command *table = shell_commands(&count);
	ctx->priv = &((struct net_session *)c->owner)->frontend;
	return shell_dispatch(table, count, ctx, line, len);
}

static struct session_conn_env env = {
	.tls = &tls, .version = KEEL_VERSION, .backoff = &backoff, .backoff_lock = lock_backoff,
	.tls_lock = lock_tls, .log = log_line, .now_ms = now_ms, .run_command = run_command,
};

/* The TLS layer's transport: sends wait (with a deadline) while the peer does not read; receives never
 * wait, the session thread waits for the connection outside the TLS lock instead. */
static int transport_send(void *io, const unsigned char *buf, size_t n)
{
	struct net_session *s = io;
	return net_conn_write(s->conn, buf, n, tsc_after_ms(SEND_MS)) == 0 ? (int)n : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int transport_recv(void *io, unsigned char *buf, size_t n)
{
	struct net_session *s = io;
	long r = net_conn_read(s->conn, buf, n, NET_CONN_NOW);
	if (r == -ETIMEDOUT)
		return MBEDTLS_ERR_SSL_WANT_READ;
	return r >= 0 ? (int)r : MBEDTLS_ERR_NET_RECV_FAILED;
}

/* frontend.h's read_byte: input the session has not taken, else the connection's next bytes. A client
 * silent for the idle time (or gone without a word) ends the interactive command as if it had left. */
static int read_byte(void *ctx)
{
	struct net_session *s = ctx;
	for (;;) {
		int b = session_conn_next_byte(&s->sc);
		if (b >= 0)
			return b;
		if (s->sc.write_error)
			return -1;
		int rc = session_conn_receive(&s->sc);
		if (rc <= 0 && rc != MBEDTLS_ERR_SSL_WANT_READ)
			return -1;
		if (rc == MBEDTLS_ERR_SSL_WANT_READ && !net_conn_wait_readable(s->conn, tsc_after_ms(SESSION_IDLE_MS)))
			return -1;
	}
}

/* How far a session got decides whether and when it is dropped to make room (pick_victim). */
static void note_progress(struct net_session *s)
{
	bool handshaken = s->sc.handshaken, logged_in = session_conn_logged_in(&s->sc);
	if (s->handshaken == handshaken && s->logged_in == logged_in)
		return;
	uint64_t flags = spin_lock(&slots_lock);
	s->handshaken = handshaken;
	s->logged_in = logged_in;
	spin_unlock(&slots_lock, flags);
}

/* Why a session ended when the session machine did not say so itself (NULL when it did). */
static const char *serve(struct net_session *s)
{
	uint64_t deadline = s->accepted_tsc + HANDSHAKE_MS * (time_tsc_hz() / 1000);
	int rc;
	while ((rc = session_conn_handshake(&s->sc)) != 0) {
		if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
			return "TLS handshake failed";
		if (!net_conn_wait_readable(s->conn, deadline))
			return "TLS handshake timed out";
	}
	note_progress(s);
	if (s->refusal) {
		char line[96];
		snprintf(line, sizeof line, "error: too many sessions (%u open); try again later", max_sessions);
		session_conn_say(&s->sc, line);
		return "refused: too many sessions";
	}
	struct credentials creds;
	remote_access_credentials(&creds);
	bool started = session_conn_start(&s->sc, &creds);
	memset(&creds, 0, sizeof creds);
	if (!started)
		return s->sc.write_error ? "connection lost" : NULL;
	for (;;) {
		note_progress(s);
		rc = session_conn_receive(&s->sc);
		if (rc > 0) {
			if (!session_conn_feed(&s->sc))
				return s->sc.write_error ? "connection lost" : NULL;
			continue;
		}
		if (rc != MBEDTLS_ERR_SSL_WANT_READ)
			return rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ? "client closed" : "connection lost";
		uint64_t wake = session_conn_wakeup(&s->sc), now = now_ms();
		uint64_t until = wake == UINT64_MAX ? 0 : tsc_after_ms(wake > now ? wake - now : 0);
		if (!net_conn_wait_readable(s->conn, until) && !session_conn_tick(&s->sc))
			return s->sc.write_error ? "connection lost" : NULL;
	}
}

/* Logging happens here, not on the tcpip thread, which a slow console would hold up for every client. */
static void session_main(void *arg)
{
	struct net_session *s = arg;
	log_printf("network shell: %s connected (%u of %u sessions%s)\n", s->sc.peer, s->open_at_accept,
		   max_sessions, s->refusal ? ", full: refusing" : "");
	const char *why = serve(s);
	session_conn_end(&s->sc);
	/* Out of the table before the connection goes: on_accept cancels only connections in the table. */
	uint64_t flags = spin_lock(&slots_lock);
	if (s->refusal) {
		refusing--;
	} else if (s->slot >= 0) {
		slots[s->slot] = NULL;
		open_sessions--;
	} else {
		draining--;
		why = "dropped before logging in, to make room";
	}
	spin_unlock(&slots_lock, flags);
	net_conn_close(s->conn);
	if (why)
		log_printf("network shell: %s closed (%s)\n", s->sc.peer, why);
	free(s);
	__atomic_sub_fetch(&live, 1, __ATOMIC_RELEASE);
}

/* With slots_lock held: how many sessions from `address` have not logged in. */
static unsigned unauthenticated_from(uint32_t address)
{
	unsigned n = 0;
	for (unsigned i = 0; i < max_sessions; i++)
		if (slots[i] && !slots[i]->logged_in && net_conn_peer_address(slots[i]->conn) == address)
			n++;
	return n;
}

/* With slots_lock held: the session that makes room, or -1 when all are logged in. Those from the address
 * holding the most sessions that are not logged in go first, so one flooding address cannot push out a
 * login from another; then those still in their TLS handshake, so a client typing its password outlasts
 * connections that never got as far; then the one that has waited longest. */
static int pick_victim(void)
{
	int victim = -1;
	unsigned victim_share = 0;
	for (unsigned i = 0; i < max_sessions; i++) {
		struct net_session *s = slots[i];
		if (!s || s->logged_in)
			continue;
		unsigned share = unauthenticated_from(net_conn_peer_address(s->conn));
		struct net_session *v = victim >= 0 ? slots[victim] : NULL;
		bool first = !v || share > victim_share ||
			     (share == victim_share && (s->handshaken != v->handshaken ? !s->handshaken
										: s->accepted_tsc < v->accepted_tsc));
		if (first) {
			victim = (int)i;
			victim_share = share;
		}
	}
	return victim;
}

/* With slots_lock held: a free slot, else one freed by dropping pick_victim's choice (while as many are
 * still winding down as there are slots, nothing more is dropped). */
static int take_slot(void)
{
	for (unsigned i = 0; i < max_sessions; i++)
		if (!slots[i])
			return (int)i;
	int slot = pick_victim();
	if (slot < 0 || draining >= max_sessions)
		return -1;
	struct net_session *victim = slots[slot];
	net_conn_cancel(victim->conn);
	victim->slot = -1;
	slots[slot] = NULL;
	open_sessions--;
	draining++;
	return slot;
}

/* On the tcpip thread (net/listener.h): must not block. */
static bool on_accept(struct net_conn *conn, void *ctx)
{
	(void)ctx;
	struct net_session *s = calloc(1, sizeof *s);
	uint8_t addr[4];
	uint32_t a = net_conn_peer_address(conn);
	addr[0] = (uint8_t)(a >> 24);
	addr[1] = (uint8_t)(a >> 16);
	addr[2] = (uint8_t)(a >> 8);
	addr[3] = (uint8_t)a;
	if (!s || session_conn_init(&s->sc, &env, s, transport_send, transport_recv, s, net_conn_peer(conn), addr,
				    sizeof addr)) {
		log_printf("network shell: %s refused: out of memory\n", net_conn_peer(conn));
		free(s);
		return false;
	}
	s->conn = conn;
	s->accepted_tsc = rdtsc();
	semaphore_init(&s->tls_lock, 1);
	s->frontend = (struct shell_frontend){ .read_byte = read_byte, .ctx = s };
	uint64_t flags = spin_lock(&slots_lock);
	s->slot = take_slot();
	bool room = s->slot >= 0 || refusing < REFUSALS_MAX;
	if (s->slot >= 0) {
		slots[s->slot] = s;
		open_sessions++;
	} else if (room) {
		s->refusal = true;
		refusing++;
	}
	unsigned open = s->open_at_accept = open_sessions;
	spin_unlock(&slots_lock, flags);
	if (!room) {
		log_printf("network shell: %s refused: too many sessions (%u open)\n", net_conn_peer(conn), open);
		session_conn_end(&s->sc);
		free(s);
		return false;
	}
	__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	if (!thread_create_with_stack("netshell", session_main, s, -1, SESSION_STACK)) {
		__atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
		flags = spin_lock(&slots_lock);
		if (s->refusal)
			refusing--;
		else if (s->slot >= 0) {
			slots[s->slot] = NULL;
			open_sessions--;
		}
		spin_unlock(&slots_lock, flags);
		log_printf("network shell: %s refused: out of memory\n", net_conn_peer(conn));
		session_conn_end(&s->sc);
		free(s);
		return false;
	}
	return true;
}

static void listener_main(void *arg)
{
	(void)arg;
	remote_access_wait_open();
	uint16_t port = (uint16_t)settings_get_uint("shell_port", NET_SHELL_PORT);
	max_sessions = (unsigned)settings_get_uint("shell_max_sessions", NET_SHELL_MAX_SESSIONS);
	slots = calloc(max_sessions, sizeof *slots);
	backoff_init(&backoff, 0, 0, 0);
	env.hostname = settings_hostname();
	int rc = slots ? tls_server_init(&tls, host_identity(), random_mbedtls, NULL) : -ENOMEM;
	if (rc) {
		log_printf("network shell: cannot set up TLS (error -0x%04x): not listening\n", (unsigned)-rc);
		return;
	}
	if (!net_listen(port, NULL, on_accept, NULL))
		log_printf("network shell: cannot listen on port %u (no network interface, or the port is taken)\n", port);
	else
		log_printf("network shell: listening on port %u (at most %u sessions)\n", port, max_sessions);
}

void net_shell_start(int cpu)
{
	if (!thread_create("netshell-listen", listener_main, NULL, cpu))
		log_printf("network shell: cannot start its thread: not listening\n");
}

unsigned net_shell_connections(void)
{
	return __atomic_load_n(&live, __ATOMIC_ACQUIRE);
}
