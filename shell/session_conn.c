/* One network shell connection: TLS, session, commands and back-off glued together (see session_conn.h). */
#include <string.h>
#include "shell/session_conn.h"

static void lock_tls(struct session_conn *c, bool take)
{
	if (c->env->tls_lock)
		c->env->tls_lock(c, take);
}

static void emit(void *owner, const char *data, size_t n)
{
	struct session_conn *c = owner;
	if (c->write_error)
		return;
	lock_tls(c, true);
	c->write_error = tls_conn_write_all(&c->tls, (const unsigned char *)data, n);
	lock_tls(c, false);
}

static void log_line(void *owner, const char *line)
{
	((struct session_conn *)owner)->env->log(line);
}

static uint64_t auth_not_before(void *owner, uint64_t now_ms)
{
	struct session_conn *c = owner;
	c->env->backoff_lock(true);
	uint64_t t = backoff_not_before(c->env->backoff, c->addr, c->addr_len, now_ms);
	c->env->backoff_lock(false);
	return t;
}

static uint64_t auth_failed(void *owner, uint64_t now_ms)
{
	struct session_conn *c = owner;
	c->env->backoff_lock(true);
	uint64_t t = backoff_failure(c->env->backoff, c->addr, c->addr_len, now_ms);
	c->env->backoff_lock(false);
	return t;
}

static void auth_ok(void *owner)
{
	struct session_conn *c = owner;
	c->env->backoff_lock(true);
	backoff_success(c->env->backoff, c->addr, c->addr_len);
	c->env->backoff_lock(false);
}

static const struct session_ops ops = {
	.emit = emit, .log = log_line, .auth_not_before = auth_not_before, .auth_failed = auth_failed,
	.auth_ok = auth_ok,
};

int session_conn_init(struct session_conn *c, const struct session_conn_env *env, void *owner, tls_send_fn send,
		      tls_recv_fn recv, void *io, const char *peer, const uint8_t *addr, size_t addr_len)
{
	memset(c, 0, sizeof *c);
	c->env = env;
	c->owner = owner;
	strncpy(c->peer, peer, sizeof c->peer - 1);
	c->addr_len = addr_len < sizeof c->addr ? addr_len : sizeof c->addr;
	memcpy(c->addr, addr, c->addr_len);
	return tls_conn_init(&c->tls, env->tls, send, recv, io);
}

int session_conn_handshake(struct session_conn *c)
{
	lock_tls(c, true);
	int rc = tls_conn_handshake(&c->tls);
	lock_tls(c, false);
	c->handshaken = rc == 0;
	return rc;
}

bool session_conn_start(struct session_conn *c, const struct credentials *creds)
{
	uint8_t fp[CRED_FINGERPRINT_LEN];
	struct session_params p = {
		.hostname = c->env->hostname, .version = c->env->version, .peer = c->peer, .idle_ms = c->env->idle_ms,
		.cert_pinned = tls_conn_client_fingerprint(&c->tls, fp) && credentials_cert_pinned(creds, fp),
	};
	return session_start(&c->session, &p, creds, &ops, c, c->env->now_ms()) != SESSION_EV_CLOSE &&
	       !c->write_error;
}

int session_conn_receive(struct session_conn *c)
{
	if (c->in_pos < c->in_len)
		return (int)(c->in_len - c->in_pos);
	lock_tls(c, true);
	int rc = tls_conn_read(&c->tls, c->in, sizeof c->in);
	lock_tls(c, false);
	if (rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		rc = MBEDTLS_ERR_SSL_WANT_READ;
	if (rc > 0) {
		c->in_pos = 0;
		c->in_len = (size_t)rc;
	}
	return rc;
}

static void shell_write(void *sink, const char *s, size_t n)
{
	session_output(&((struct session_conn *)sink)->session, s, n);
}

bool session_conn_feed(struct session_conn *c)
{
	while (c->in_pos < c->in_len && !c->write_error) {
		size_t used;
		enum session_event ev = session_feed(&c->session, c->in + c->in_pos, c->in_len - c->in_pos, &used,
						     c->env->now_ms());
		c->in_pos += used;
		if (ev == SESSION_EV_CLOSE)
			return false;
		if (ev == SESSION_EV_RUN) {
			size_t len;
			const char *line = session_command(&c->session, &len);
			struct shell_ctx ctx = { .write = shell_write, .sink = c };
			int status = c->env->run_command(c, &ctx, line, len);
			session_command_done(&c->session, status, c->env->now_ms());
		}
	}
	return !c->write_error;
}

int session_conn_next_byte(struct session_conn *c)
{
	return c->in_pos < c->in_len ? c->in[c->in_pos++] : -1;
}

bool session_conn_logged_in(const struct session_conn *c)
{
	return c->session.state == SESSION_READY || c->session.state == SESSION_RUNNING;
}

uint64_t session_conn_wakeup(const struct session_conn *c)
{
	return session_wakeup(&c->session);
}

bool session_conn_tick(struct session_conn *c)
{
	return session_tick(&c->session, c->env->now_ms()) != SESSION_EV_CLOSE && !c->write_error;
}

void session_conn_say(struct session_conn *c, const char *line)
{
	char buf[256];
	size_t n = strlen(line);
	if (n > sizeof buf - 1)
		n = sizeof buf - 1;
	memcpy(buf, line, n);
	buf[n++] = '\n';
	emit(c, buf, n);
}

void session_conn_end(struct session_conn *c)
{
	if (c->handshaken && !c->write_error) {
		lock_tls(c, true);
		tls_conn_close(&c->tls);
		lock_tls(c, false);
	}
	tls_conn_free(&c->tls);
}
