/* A host-side stand-in for Keel's network listener, for tests that have no Keel network: it runs the
 * image's own connection glue (shell/session_conn.c: session, TLS layer, back-off), host key
 * (kernel/crypto/host_key.c) and credentials on loopback (127.0.0.1 and ::1, one port), one thread per
 * connection, with a small fake command table run by the shell's real dispatcher. Prints "listening PORT" and
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
#include "shell/session_conn.h"
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

/* -- one connection: shell/session_conn.c over a socket ------------------------------------------ */

struct conn {
	int fd;
	struct session_conn sc;
};

static void log_line(const char *line)
{
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "log: %s\n", line);
	pthread_mutex_unlock(&log_lock);
}

static void lock_backoff(bool take)
{
	if (take)
		pthread_mutex_lock(&backoff_lock);
	else
		pthread_mutex_unlock(&backoff_lock);
}

static int run_command(struct session_conn *c, struct shell_ctx *ctx, const char *line, size_t len)
{
	(void)c;
	return shell_dispatch(commands, sizeof commands / sizeof commands[0], ctx, line, len);
}

static struct session_conn_env env = {
	.tls = &tls, .version = "test", .backoff = &backoff, .backoff_lock = lock_backoff, .log = log_line,
	.now_ms = now_ms, .run_command = run_command,
};

/* Blocking socket reads: the loop below polls first, so a read only waits inside a TLS record. */
static void *serve(void *arg)
{
	struct conn *c = arg;
	int rc;
	while ((rc = session_conn_handshake(&c->sc)) != 0) {
		if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
			log_line("handshake failed");
			goto out;
		}
	}
	if (!session_conn_start(&c->sc, &creds))
		goto out;
	for (;;) {
		rc = session_conn_receive(&c->sc);
		if (rc > 0) {
			if (!session_conn_feed(&c->sc))
				break;
			continue;
		}
		if (rc != MBEDTLS_ERR_SSL_WANT_READ)
			break;
		uint64_t wake = session_conn_wakeup(&c->sc), now = now_ms();
		int timeout = wake == UINT64_MAX ? -1 : wake <= now ? 0 : (int)(wake - now);
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		if (poll(&pfd, 1, timeout) == 0 && !session_conn_tick(&c->sc))
			break;
	}
out:
	session_conn_end(&c->sc);
	close(c->fd);
	free(c);
	return NULL;
}

/* mbedTLS's socket calls answer WANT_READ only on a non-blocking socket: with poll before each read, a
 * blocking one never waits between records. */
static int sock_recv(void *io, unsigned char *buf, size_t n)
{
	struct pollfd pfd = { .fd = *(int *)io, .events = POLLIN };
	if (poll(&pfd, 1, 0) == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	return mbedtls_net_recv(io, buf, n);
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
	env.hostname = hostname;
	env.idle_ms = idle_ms;

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
			char host[INET6_ADDRSTRLEN] = "?", peer[64];
			const void *addr;
			size_t addr_len;
			c->fd = fd;
			if (ss.ss_family == AF_INET) {
				struct sockaddr_in *a = (struct sockaddr_in *)&ss;
				addr = &a->sin_addr;
				addr_len = 4;
				inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
				snprintf(peer, sizeof peer, "%s:%d", host, ntohs(a->sin_port));
			} else {
				struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
				addr = &a->sin6_addr;
				addr_len = 16;
				inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
				snprintf(peer, sizeof peer, "[%s]:%d", host, ntohs(a->sin6_port));
			}
			if (session_conn_init(&c->sc, &env, c, mbedtls_net_send, sock_recv, &c->fd, peer, addr,
					      addr_len)) {
				close(fd);
				free(c);
				continue;
			}
			pthread_t t;
			pthread_create(&t, NULL, serve, c);
			pthread_detach(t);
		}
	}
}
