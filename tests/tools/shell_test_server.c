/* A host-side stand-in for Keel's network listener, for tests that have no Keel network: it runs the
 * image's own session (shell/session.c), TLS layer (shell/tls_server.c), host key (kernel/crypto/host_key.c),
 * credentials and back-off on loopback (127.0.0.1 and ::1, one port), one thread per connection, with a
 * small fake command table run by the shell's real dispatcher. Prints "listening PORT" and
 * "fingerprint HEX" on stdout, then one line per session log event ("log: ...") on stderr.
 *
 * shell_test_server [--port N] [--hostname NAME] [--key-file FILE] [--password-hash LINE]
 *                   [--cert-sha256 HEX]... [--idle-ms N] [--backoff-base-ms N] [--backoff-cap-ms N]
 * --key-file: keel.cfg's host_key value (base64 DER); created with a new key when the file is missing. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kernel/crypto/host_key.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/net_sockets.h"
#include "shell/backoff.h"
#include "shell/command.h"
#include "shell/credentials.h"
#include "shell/json.h"
#include "shell/session.h"
#include "shell/tls_server.h"

static const char *hostname = "testhost";
static char fingerprint[65];
static struct credentials creds;
static struct tls_server tls;
static struct host_key key;
static struct backoff backoff;
static pthread_mutex_t backoff_lock = PTHREAD_MUTEX_INITIALIZER, rng_lock = PTHREAD_MUTEX_INITIALIZER,
		       log_lock = PTHREAD_MUTEX_INITIALIZER;
static mbedtls_ctr_drbg_context drbg;
static uint32_t idle_ms;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int rng(void *ctx, unsigned char *out, size_t n)
{
	(void)ctx;
	pthread_mutex_lock(&rng_lock);
	int err = mbedtls_ctr_drbg_random(&drbg, out, n);
	pthread_mutex_unlock(&rng_lock);
	return err;
}

/* -- the fake command table: the real dispatcher over a few commands ----------------------------- */

static int run_host_show(struct shell_ctx *ctx, const struct shell_args *args)
{
	if (shell_arg_flag(args, "json")) {
		char buf[512];
		struct json_writer w;
		json_init(&w, buf, sizeof buf);
		json_object_begin(&w);
		json_kv_string(&w, "hostname", hostname);
		json_kv_string(&w, "host_key_sha256", fingerprint);
		json_object_end(&w);
		shell_printf(ctx, "%s\n", buf);
		return json_finish(&w);
	}
	shell_printf(ctx, "hostname        %s\nhost key        sha256 %s\n", hostname, fingerprint);
	return 0;
}

static int run_echo(struct shell_ctx *ctx, const struct shell_args *args)
{
	for (unsigned i = 0; i < shell_arg_operand_count(args); i++)
		shell_printf(ctx, "%s%s", i ? " " : "", shell_arg_operand(args, i));
	shell_printf(ctx, "\n");
	return 0;
}

static int run_fail(struct shell_ctx *ctx, const struct shell_args *args)
{
	(void)args;
	shell_printf(ctx, "error: fail: as asked\n");
	return -1;
}

static const struct shell_command commands[] = {
	{ .noun = "host", .verb = "show", .summary = "fake host show", .run = run_host_show,
	  .opt_keys = (const char *const[]){ NULL }, .opt_flags = (const char *const[]){ "json", NULL } },
	{ .noun = "echo", .summary = "print the words", .run = run_echo },
	{ .noun = "fail", .summary = "fail", .run = run_fail },
};

/* -- one connection ---------------------------------------------------------------------------- */

struct conn {
	int fd;
	char peer[64];
	uint8_t addr[16];
	size_t addr_len;
	struct tls_conn tls;
	struct session session;
	int write_error;
};

static void conn_emit(void *owner, const char *data, size_t n)
{
	struct conn *c = owner;
	if (!c->write_error)
		c->write_error = tls_conn_write_all(&c->tls, (const unsigned char *)data, n);
}

static void conn_log(void *owner, const char *line)
{
	(void)owner;
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "log: %s\n", line);
	pthread_mutex_unlock(&log_lock);
}

static uint64_t conn_not_before(void *owner, uint64_t now)
{
	struct conn *c = owner;
	pthread_mutex_lock(&backoff_lock);
	uint64_t t = backoff_not_before(&backoff, c->addr, c->addr_len, now);
	pthread_mutex_unlock(&backoff_lock);
	return t;
}

static uint64_t conn_failed(void *owner, uint64_t now)
{
	struct conn *c = owner;
	pthread_mutex_lock(&backoff_lock);
	uint64_t t = backoff_failure(&backoff, c->addr, c->addr_len, now);
	pthread_mutex_unlock(&backoff_lock);
	return t;
}

static void conn_ok(void *owner)
{
	struct conn *c = owner;
	pthread_mutex_lock(&backoff_lock);
	backoff_success(&backoff, c->addr, c->addr_len);
	pthread_mutex_unlock(&backoff_lock);
}

static const struct session_ops ops = {
	.emit = conn_emit, .log = conn_log, .auth_not_before = conn_not_before, .auth_failed = conn_failed,
	.auth_ok = conn_ok,
};

static void shell_write(void *sink, const char *s, size_t n)
{
	session_output(sink, s, n);
}

/* Feeds bytes to the session, running the commands it hands out. False when the session closed. */
static bool feed_all(struct conn *c, const uint8_t *buf, size_t n)
{
	while (n > 0) {
		size_t used;
		enum session_event ev = session_feed(&c->session, buf, n, &used, now_ms());
		buf += used;
		n -= used;
		if (ev == SESSION_EV_CLOSE)
			return false;
		if (ev == SESSION_EV_RUN) {
			size_t len;
			const char *line = session_command(&c->session, &len);
			struct shell_ctx ctx = { .write = shell_write, .sink = &c->session };
			int rc = shell_dispatch(commands, sizeof commands / sizeof commands[0], &ctx, line, len);
			session_command_done(&c->session, rc, now_ms());
		}
		if (c->write_error)
			return false;
	}
	return true;
}

static void *serve(void *arg)
{
	struct conn *c = arg;
	uint8_t fp[32], buf[4096];
	int rc;
	if (tls_conn_init(&c->tls, &tls, mbedtls_net_send, mbedtls_net_recv, &c->fd))
		goto out;
	while ((rc = tls_conn_handshake(&c->tls)) != 0) {
		if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
			conn_log(c, "handshake failed");
			goto out_tls;
		}
	}
	struct session_params p = { .hostname = hostname, .version = "test", .peer = c->peer, .idle_ms = idle_ms,
				    .cert_pinned = tls_conn_client_fingerprint(&c->tls, fp) &&
						   credentials_cert_pinned(&creds, fp) };
	if (session_start(&c->session, &p, &creds, &ops, c, now_ms()) == SESSION_EV_CLOSE)
		goto out_close;
	for (;;) {
		if (c->write_error)
			break;
		if (mbedtls_ssl_get_bytes_avail(&c->tls.ssl) == 0) {
			uint64_t wake = session_wakeup(&c->session), now = now_ms();
			int timeout = wake == UINT64_MAX ? -1 : wake <= now ? 0 : (int)(wake - now);
			struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
			if (poll(&pfd, 1, timeout) == 0) {
				if (session_tick(&c->session, now_ms()) == SESSION_EV_CLOSE)
					break;
				continue;
			}
		}
		rc = tls_conn_read(&c->tls, buf, sizeof buf);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc <= 0 || !feed_all(c, buf, (size_t)rc))
			break;
	}
out_close:
	tls_conn_close(&c->tls);
out_tls:
	tls_conn_free(&c->tls);
out:
	close(c->fd);
	free(c);
	return NULL;
}

/* -- setup --------------------------------------------------------------------------------------- */

static int listen_on(int family, int port)
{
	int fd = socket(family, SOCK_STREAM, 0), one = 1;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = in6addr_loopback;
		len = sizeof *a;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 64)) {
		perror("shell_test_server: bind/listen");
		exit(1);
	}
	return fd;
}

static int bound_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

static void load_or_make_key(const char *path)
{
	char b64[HOST_KEY_EXPORT_MAX] = "", err[128];
	FILE *f = path ? fopen(path, "r") : NULL;
	if (f) {
		if (!fgets(b64, sizeof b64, f))
			b64[0] = '\0';
		fclose(f);
		b64[strcspn(b64, "\r\n")] = '\0';
		if (host_key_load(&key, b64, err, sizeof err)) {
			fprintf(stderr, "shell_test_server: %s: %s\n", path, err);
			exit(1);
		}
		return;
	}
	if (host_key_generate(&key, rng, NULL) || host_key_export(&key, b64, sizeof b64)) {
		fprintf(stderr, "shell_test_server: cannot make a key\n");
		exit(1);
	}
	if (path && (f = fopen(path, "w"))) {
		fprintf(f, "%s\n", b64);
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	const char *key_file = NULL;
	uint32_t base = 0, cap = 0;
	int port = 0;
	char err[160];
	mbedtls_entropy_context entropy;

	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v) {
			fprintf(stderr, "shell_test_server: %s needs a value\n", argv[i]);
			return 2;
		}
		if (!strcmp(argv[i], "--port"))
			port = atoi(v);
		else if (!strcmp(argv[i], "--hostname"))
			hostname = v;
		else if (!strcmp(argv[i], "--key-file"))
			key_file = v;
		else if (!strcmp(argv[i], "--idle-ms"))
			idle_ms = (uint32_t)atoi(v);
		else if (!strcmp(argv[i], "--backoff-base-ms"))
			base = (uint32_t)atoi(v);
		else if (!strcmp(argv[i], "--backoff-cap-ms"))
			cap = (uint32_t)atoi(v);
		else if (!strcmp(argv[i], "--password-hash")) {
			if (credentials_parse_password(v, &creds.password, err, sizeof err)) {
				fprintf(stderr, "shell_test_server: --password-hash: %s\n", err);
				return 2;
			}
			creds.has_password = true;
		} else if (!strcmp(argv[i], "--cert-sha256") && creds.cert_count < CRED_MAX_CERTS) {
			if (credentials_parse_fingerprint(v, creds.certs[creds.cert_count], err, sizeof err)) {
				fprintf(stderr, "shell_test_server: --cert-sha256: %s\n", err);
				return 2;
			}
			creds.cert_count++;
		} else {
			fprintf(stderr, "shell_test_server: unknown option %s\n", argv[i]);
			return 2;
		}
		i++;
	}
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0))
		return 1;
	backoff_init(&backoff, base, cap, 0);
	load_or_make_key(key_file);
	if (host_key_certify(&key, hostname, rng, NULL) || tls_server_init(&tls, &key, rng, NULL)) {
		fprintf(stderr, "shell_test_server: cannot set up TLS\n");
		return 1;
	}
	credentials_format_fingerprint(key.fingerprint, fingerprint);

	int fd4 = listen_on(AF_INET, port);
	port = bound_port(fd4);
	int fd6 = listen_on(AF_INET6, port);
	printf("listening %d\nfingerprint %s\n", port, fingerprint);
	fflush(stdout);

	struct pollfd pfd[2] = { { .fd = fd4, .events = POLLIN }, { .fd = fd6, .events = POLLIN } };
	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < 2; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			struct sockaddr_storage ss;
			socklen_t len = sizeof ss;
			int fd = accept(pfd[i].fd, (struct sockaddr *)&ss, &len);
			if (fd < 0)
				continue;
			struct conn *c = calloc(1, sizeof *c);
			char host[INET6_ADDRSTRLEN] = "?";
			c->fd = fd;
			if (ss.ss_family == AF_INET) {
				struct sockaddr_in *a = (struct sockaddr_in *)&ss;
				memcpy(c->addr, &a->sin_addr, 4);
				c->addr_len = 4;
				inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
				snprintf(c->peer, sizeof c->peer, "%s:%d", host, ntohs(a->sin_port));
			} else {
				struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
				memcpy(c->addr, &a->sin6_addr, 16);
				c->addr_len = 16;
				inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
				snprintf(c->peer, sizeof c->peer, "[%s]:%d", host, ntohs(a->sin6_port));
			}
			pthread_t t;
			pthread_create(&t, NULL, serve, c);
			pthread_detach(t);
		}
	}
}
