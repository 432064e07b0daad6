/* Unit tests for shell/session_conn.c: a real TLS handshake against an mbedTLS client over an in-memory
 * transport that never blocks, then the session through the glue: the back-off keyed by the peer address
 * (its lock taken and dropped in pairs), a wrong password and the prompt coming back at the deadline, a
 * command run by the owner that reads the input after its own line (as vm connect does), a failing
 * transport ending the session, and a refusal line followed by TLS's goodbye. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "session_fake_owner.h"
#include "../../kernel/crypto/host_key.h"
#include "../../shell/session_conn.h"
#include "mbedtls/net_sockets.h"

/* -- an in-memory transport: one byte queue each way --------------------------------------------- */

struct pipe {
	unsigned char buf[65536];
	size_t head, tail;
};

static struct pipe to_server, to_client;
static bool sends_fail;

static int pipe_send(struct pipe *p, const unsigned char *buf, size_t n)
{
	if (sends_fail)
		return MBEDTLS_ERR_NET_SEND_FAILED;
	if (n > sizeof p->buf - p->tail)
		n = sizeof p->buf - p->tail;
	memcpy(p->buf + p->tail, buf, n);
	p->tail += n;
	return (int)n;
}

static int pipe_recv(struct pipe *p, unsigned char *buf, size_t n)
{
	if (p->head == p->tail)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (n > p->tail - p->head)
		n = p->tail - p->head;
	memcpy(buf, p->buf + p->head, n);
	p->head += n;
	return (int)n;
}

static int server_send(void *io, const unsigned char *b, size_t n) { (void)io; return pipe_send(&to_client, b, n); }
static int server_recv(void *io, unsigned char *b, size_t n) { (void)io; return pipe_recv(&to_server, b, n); }
static int client_send(void *io, const unsigned char *b, size_t n) { (void)io; return pipe_send(&to_server, b, n); }
static int client_recv(void *io, unsigned char *b, size_t n) { (void)io; return pipe_recv(&to_client, b, n); }

/* Test randomness (xorshift): keys and TLS need some, not good ones. */
static int rng(void *ctx, unsigned char *out, size_t n)
{
	static uint64_t x = 0x9e3779b97f4a7c15ull;
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		out[i] = (unsigned char)x;
	}
	return 0;
}

/* -- the owner ---------------------------------------------------------------------------------- */

static uint64_t clock_ms = 1000;
static int backoff_depth, backoff_locks;
static char log_text[4096];
static char ran[128];
static struct backoff backoff;

static uint64_t now_ms(void) { return clock_ms; }

static void lock_backoff(bool take)
{
	backoff_depth += take ? 1 : -1;
	backoff_locks += take;
	CHECK(backoff_depth == 0 || backoff_depth == 1);
}

static void log_line(const char *line)
{
	size_t used = strlen(log_text);
	snprintf(log_text + used, sizeof log_text - used, "%s\n", line);
}

/* "run WORD": reads what the client sent after the line, byte by byte, then answers. */
static int run_command(struct session_conn *c, struct shell_ctx *ctx, const char *line, size_t len)
{
	char after[16] = "";
	size_t n = 0;
	int b;
	while (n < sizeof after - 1 && (b = session_conn_next_byte(c)) >= 0)
		after[n++] = (char)b;
	snprintf(ran, sizeof ran, "%.*s", (int)len, line);
	shell_printf(ctx, "ran %s, then read '%s'\n", line + 4, after);
	return 0;
}

static struct tls_server tls;
static const struct session_conn_env env = {
	.tls = &tls, .hostname = "unit", .version = "test", .backoff = &backoff, .backoff_lock = lock_backoff,
	.log = log_line, .now_ms = now_ms, .run_command = run_command,
};

/* -- the client --------------------------------------------------------------------------------- */

struct client {
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	char got[8192];
	size_t got_len;
};

static void client_init(struct client *cl)
{
	memset(cl, 0, sizeof *cl);
	mbedtls_ssl_config_init(&cl->conf);
	mbedtls_ssl_init(&cl->ssl);
	CHECK_EQ(mbedtls_ssl_config_defaults(&cl->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
					     MBEDTLS_SSL_PRESET_DEFAULT), 0);
	mbedtls_ssl_conf_authmode(&cl->conf, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_rng(&cl->conf, rng, NULL);
	CHECK_EQ(mbedtls_ssl_setup(&cl->ssl, &cl->conf), 0);
	mbedtls_ssl_set_bio(&cl->ssl, NULL, client_send, client_recv, NULL);
}

static void client_free(struct client *cl)
{
	mbedtls_ssl_free(&cl->ssl);
	mbedtls_ssl_config_free(&cl->conf);
}

/* Everything the server sent so far, appended to cl->got; the last mbedTLS status. */
static int client_read(struct client *cl)
{
	int rc;
	while ((rc = mbedtls_ssl_read(&cl->ssl, (unsigned char *)cl->got + cl->got_len,
				      sizeof cl->got - 1 - cl->got_len)) > 0)
		cl->got_len += (size_t)rc;
	cl->got[cl->got_len] = '\0';
	return rc;
}

static void client_write(struct client *cl, const char *text)
{
	CHECK_EQ(mbedtls_ssl_write(&cl->ssl, (const unsigned char *)text, strlen(text)), (int)strlen(text));
}

/* A connection from 10.0.0.9 with both sides past the handshake. */
static void connect(struct session_conn *c, struct client *cl)
{
	static const uint8_t addr[4] = { 10, 0, 0, 9 };
	memset(&to_server, 0, sizeof to_server);
	memset(&to_client, 0, sizeof to_client);
	sends_fail = false;
	client_init(cl);
	CHECK_EQ(session_conn_init(c, &env, NULL, server_send, server_recv, NULL, "10.0.0.9:1234", addr, 4), 0);
	int server_rc = 1, client_rc = 1;
	for (int i = 0; i < 100 && (server_rc || client_rc); i++) {
		if (client_rc)
			client_rc = mbedtls_ssl_handshake(&cl->ssl);
		if (server_rc)
			server_rc = session_conn_handshake(c);
	}
	CHECK_EQ(server_rc, 0);
	CHECK_EQ(client_rc, 0);
	CHECK(c->handshaken);
}

static void test_login_command_and_failure(const struct credentials *creds)
{
	struct session_conn c;
	struct client cl;
	connect(&c, &cl);
	CHECK(session_conn_start(&c, creds));
	client_read(&cl);
	CHECK_STR(cl.got, "Keel test on unit\npassword: ");

	/* A wrong password: failure recorded for 10.0.0.9, and the prompt comes back at the deadline. */
	client_write(&cl, "wrong\n");
	CHECK(session_conn_receive(&c) > 0);
	CHECK(session_conn_feed(&c));
	CHECK_EQ(backoff_failures(&backoff, (const uint8_t *)"\x0a\x00\x00\x09", 4, clock_ms), 1);
	CHECK(strstr(log_text, "failed login from 10.0.0.9:1234 (1 on this connection") != NULL);
	CHECK_EQ(session_conn_receive(&c), MBEDTLS_ERR_SSL_WANT_READ);
	CHECK_EQ(session_conn_wakeup(&c), clock_ms + 250);
	clock_ms += 250;
	CHECK(session_conn_tick(&c));
	cl.got_len = 0;
	client_read(&cl);
	CHECK_STR(cl.got, "login failed\nlogin delayed 250 ms after failed logins from your address\npassword: ");
	CHECK(!session_conn_logged_in(&c));

	/* The password, a command, and bytes after it in the same record: the command reads those itself. */
	client_write(&cl, "good-password\nrun abc\nXYZ");
	CHECK(session_conn_receive(&c) > 0);
	CHECK(session_conn_feed(&c));
	CHECK_STR(ran, "run abc");
	CHECK(session_conn_logged_in(&c));
	CHECK_EQ(backoff_failures(&backoff, (const uint8_t *)"\x0a\x00\x00\x09", 4, clock_ms), 0);
	cl.got_len = 0;
	client_read(&cl);
	CHECK_STR(cl.got, "logged in\nkeel> ran abc, then read 'XYZ'\nkeel> ");
	CHECK_EQ(session_conn_next_byte(&c), -1);

	/* The transport fails under the next reply: the session is over. */
	client_write(&cl, "run again\n");
	sends_fail = true;
	CHECK(session_conn_receive(&c) > 0);
	CHECK(!session_conn_feed(&c));
	CHECK(c.write_error != 0);
	CHECK_STR(ran, "run again");
	session_conn_end(&c);
	client_free(&cl);
	CHECK_EQ(backoff_depth, 0);
	CHECK(backoff_locks >= 3);
}

static void test_refusal_line(void)
{
	struct session_conn c;
	struct client cl;
	connect(&c, &cl);
	session_conn_say(&c, "error: too many sessions (32 open); try again later");
	session_conn_end(&c);
	CHECK_EQ(client_read(&cl), MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY);
	CHECK_STR(cl.got, "error: too many sessions (32 open); try again later\n");
	client_free(&cl);
}

int main(void)
{
	struct host_key key;
	struct credentials creds;
	CHECK_EQ(host_key_generate(&key, rng, NULL), 0);
	CHECK_EQ(host_key_certify(&key, "unit", rng, NULL), 0);
	CHECK_EQ(tls_server_init(&tls, &key, rng, NULL), 0);
	fake_credentials(&creds, "good-password", 1000);
	backoff_init(&backoff, 0, 0, 0);

	test_login_command_and_failure(&creds);
	test_refusal_line();

	tls_server_free(&tls);
	host_key_free(&key);
	return check_summary();
}
