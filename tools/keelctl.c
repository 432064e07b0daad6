/* keelctl: Keel's shell from another machine, over TLS (docs/PROTOCOL.md).
 *
 *   keelctl [options] -H HOST[:PORT][,HOST...] [COMMAND...]   run one command (or a session when none)
 *   keelctl hash-password [--iterations N]                      print a keel.cfg admin_password line
 *
 * Options: --json (appended to the command), --cert FILE --key FILE (client certificate for pinned-cert
 * login), --timeout SECONDS (per reply, default 60). The password comes from KEEL_PASSWORD or a prompt
 * without echo. Host keys are trusted on first use and kept in $KEEL_CONFIG_DIR/known_hosts (default
 * ~/.config/keel); a changed key is refused. Exit status: 0 when every command succeeded, 1 when a command
 * failed, 2 when a host could not be reached, logged in to or trusted. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/sha256.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "shell/credentials.h"

#define DEFAULT_PORT "8443"
#define RS           '\x1e'
#define LINE_MAX_LEN 65536
#define EXIT_FAILED  1
#define EXIT_ERROR   2

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;

struct options {
	const char *hosts;
	const char *cert_file, *key_file;
	bool json;
	int timeout_s;
	char command[4096];
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "keelctl: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(EXIT_ERROR);
}

static void rng_init(void)
{
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)"keelctl", 7))
		die("no random numbers from the system");
}

/* -- reading secrets ------------------------------------------------------------------------------ */

/* One line from the terminal without echo (or from stdin when it is not a terminal). */
static bool read_secret(const char *prompt, char *buf, size_t len)
{
	FILE *in = stdin;
	struct termios saved, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (tty) {
		fprintf(stderr, "%s", prompt);
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	bool ok = fgets(buf, (int)len, in) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		fprintf(stderr, "\n");
	}
	if (ok)
		buf[strcspn(buf, "\r\n")] = '\0';
	return ok;
}

static const char *password(void)
{
	static char buf[CRED_PASSWORD_MAX + 2];
	static bool have;
	const char *env = getenv("KEEL_PASSWORD");
	if (env)
		return env;
	if (!have) {
		if (!read_secret("password: ", buf, sizeof buf))
			die("no password (set KEEL_PASSWORD or type it at the prompt)");
		have = true;
	}
	return buf;
}

static int hash_password(int argc, char **argv)
{
	char first[CRED_PASSWORD_MAX + 2], second[CRED_PASSWORD_MAX + 2], line[CRED_LINE_MAX];
	unsigned long iterations = CRED_DEFAULT_ITERATIONS;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
			iterations = strtoul(argv[++i], NULL, 10);
		else
			die("hash-password: unknown option '%s' (usage: keelctl hash-password [--iterations N])", argv[i]);
	}
	if (iterations < CRED_MIN_ITERATIONS || iterations > CRED_MAX_ITERATIONS)
		die("hash-password: iterations must be from %u to %u", CRED_MIN_ITERATIONS, CRED_MAX_ITERATIONS);
	if (!read_secret("new password: ", first, sizeof first))
		die("hash-password: no password given");
	if (isatty(STDIN_FILENO) && (!read_secret("again: ", second, sizeof second) || strcmp(first, second)))
		die("hash-password: the two passwords differ");
	size_t len = strlen(first);
	if (len < 8 || len > CRED_PASSWORD_MAX)
		die("hash-password: a password has 8 to %d characters", CRED_PASSWORD_MAX);
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)first[i] < 0x20 || first[i] == 0x7f)
			die("hash-password: control characters cannot be typed at the console");
	}
	uint8_t salt[CRED_SALT_DEFAULT];
	struct password_hash h;
	rng_init();
	if (mbedtls_ctr_drbg_random(&drbg, salt, sizeof salt) ||
	    credentials_hash_password(first, len, salt, sizeof salt, (uint32_t)iterations, &h) ||
	    credentials_format_password(&h, line, sizeof line))
		die("hash-password: hashing failed");
	printf("admin_password = %s\n", line);
	return 0;
}

/* -- known hosts ---------------------------------------------------------------------------------- */

static void known_hosts_path(char *buf, size_t len, char *dir, size_t dirlen)
{
	const char *env = getenv("KEEL_CONFIG_DIR"), *home = getenv("HOME");
	if (env)
		snprintf(dir, dirlen, "%s", env);
	else
		snprintf(dir, dirlen, "%s/.config/keel", home ? home : ".");
	snprintf(buf, len, "%s/known_hosts", dir);
}

/* Checks fp for name against known_hosts, adding it on first use. False (after saying why) to refuse. */
static bool trust_host(const char *name, const char *fp)
{
	char path[4096], dir[4000], line[512];
	unsigned lineno = 0;
	known_hosts_path(path, sizeof path, dir, sizeof dir);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f)) {
		char host[256], known[80];
		lineno++;
		if (sscanf(line, "%255s %79s", host, known) != 2 || strcmp(host, name) != 0)
			continue;
		fclose(f);
		if (strcmp(known, fp) == 0)
			return true;
		fprintf(stderr,
			"keelctl: @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
			"keelctl: @  WARNING: THE HOST KEY OF %s HAS CHANGED\n"
			"keelctl: @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
			"keelctl: known (%s line %u): sha256 %s\n"
			"keelctl: offered now:        sha256 %s\n"
			"keelctl: someone may be intercepting the connection, or the host has a new key.\n"
			"keelctl: refusing to connect to %s. If the new key is expected, delete line %u of %s.\n",
			name, path, lineno, known, fp, name, lineno, path);
		return false;
	}
	if (f)
		fclose(f);
	char parent[4096];
	snprintf(parent, sizeof parent, "%s", dir);
	for (char *p = parent + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(parent, 0700);
			*p = '/';
		}
	}
	mkdir(parent, 0700);
	f = fopen(path, "a");
	if (!f) {
		fprintf(stderr, "keelctl: cannot write %s: %s\n", path, strerror(errno));
		return false;
	}
	fprintf(f, "%s %s\n", name, fp);
	fclose(f);
	fprintf(stderr, "keelctl: %s: first connection; trusting its host key sha256 %s (kept in %s)\n", name, fp,
		path);
	return true;
}

/* -- one connection ------------------------------------------------------------------------------- */

struct conn {
	const char *label; /* the -H item as given */
	char name[300];    /* HOST:PORT, the known_hosts key */
	mbedtls_net_context net;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt client_cert;
	mbedtls_pk_context client_key;
	char in[16384];
	size_t in_len, in_pos;
	bool multi;
};

/* Splits HOST[:PORT] or [V6]:PORT. */
static void split_host(const char *item, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon;
	if (item[0] == '[' && (colon = strchr(item, ']'))) {
		snprintf(host, hlen, "%.*s", (int)(colon - item - 1), item + 1);
		snprintf(port, plen, "%s", colon[1] == ':' ? colon + 2 : DEFAULT_PORT);
	} else if ((colon = strrchr(item, ':')) && strchr(item, ':') == colon) {
		snprintf(host, hlen, "%.*s", (int)(colon - item), item);
		snprintf(port, plen, "%s", colon + 1);
	} else {
		snprintf(host, hlen, "%s", item);
		snprintf(port, plen, "%s", DEFAULT_PORT);
	}
}

static void conn_error(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conn_error(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "keelctl: %s: ", c->label);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* The next line from the server (without its newline); NULL at the end or on error. */
static const char *read_line(struct conn *c)
{
	static char line[LINE_MAX_LEN];
	size_t len = 0;
	for (;;) {
		while (c->in_pos < c->in_len) {
			char ch = c->in[c->in_pos++];
			if (ch == '\n') {
				line[len] = '\0';
				return line;
			}
			if (len < sizeof line - 1)
				line[len++] = ch;
		}
		int n = mbedtls_ssl_read(&c->ssl, (unsigned char *)c->in, sizeof c->in);
		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (n == MBEDTLS_ERR_SSL_TIMEOUT) {
			conn_error(c, "no answer in time");
			return NULL;
		}
		if (n <= 0) {
			if (len > 0) {
				line[len] = '\0';
				c->in_len = c->in_pos = 0;
				return line;
			}
			return NULL;
		}
		c->in_len = (size_t)n;
		c->in_pos = 0;
	}
}

static bool send_text(struct conn *c, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text);
	while (n > 0) {
		int done = mbedtls_ssl_write(&c->ssl, p, n);
		if (done == MBEDTLS_ERR_SSL_WANT_READ || done == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (done < 0)
			return false;
		p += done;
		n -= (size_t)done;
	}
	return true;
}

/* Prints a reply line, labelled with the host when several are asked; a stuffed RS loses its twin. */
static void print_reply_line(struct conn *c, const char *line)
{
	if (line[0] == RS && line[1] == RS)
		line++;
	if (c->multi)
		printf("%s: %s\n", c->label, line);
	else
		printf("%s\n", line);
}

static bool conn_open(struct conn *c, const struct options *o)
{
	char host[256], port[16], fp[65];
	uint8_t digest[32];
	int rc;
	split_host(c->label, host, sizeof host, port, sizeof port);
	snprintf(c->name, sizeof c->name, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
	mbedtls_net_init(&c->net);
	mbedtls_ssl_init(&c->ssl);
	mbedtls_ssl_config_init(&c->conf);
	mbedtls_x509_crt_init(&c->client_cert);
	mbedtls_pk_init(&c->client_key);
	if ((rc = mbedtls_net_connect(&c->net, host, port, MBEDTLS_NET_PROTO_TCP))) {
		conn_error(c, "cannot connect to %s", c->name);
		return false;
	}
	mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
				    MBEDTLS_SSL_PRESET_DEFAULT);
	mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	/* The certificate is self-signed: trust comes from the pinned fingerprint below, not from a CA. */
	mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ssl_conf_read_timeout(&c->conf, (uint32_t)o->timeout_s * 1000);
	if (o->cert_file) {
		if (mbedtls_x509_crt_parse_file(&c->client_cert, o->cert_file))
			die("cannot read the certificate %s", o->cert_file);
		if (mbedtls_pk_parse_keyfile(&c->client_key, o->key_file, NULL))
			die("cannot read the key %s", o->key_file);
		mbedtls_ssl_conf_own_cert(&c->conf, &c->client_cert, &c->client_key);
	}
	if (mbedtls_ssl_setup(&c->ssl, &c->conf))
		return false;
	mbedtls_ssl_set_bio(&c->ssl, &c->net, mbedtls_net_send, NULL, mbedtls_net_recv_timeout);
	while ((rc = mbedtls_ssl_handshake(&c->ssl)) != 0) {
		if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
			char msg[128];
			mbedtls_strerror(rc, msg, sizeof msg);
			conn_error(c, "TLS handshake with %s failed: %s", c->name, msg);
			return false;
		}
	}
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&c->ssl);
	if (!peer || mbedtls_sha256_ret(peer->raw.p, peer->raw.len, digest, 0))
		return false;
	credentials_format_fingerprint(digest, fp);
	if (!trust_host(c->name, fp))
		return false;

	/* Announce ourselves, then follow the server's control lines to the logged-in state. */
	if (!send_text(c, "\x1ekeelctl 1\n"))
		return false;
	bool sent_password = false;
	const char *line;
	while ((line = read_line(c))) {
		if (line[0] != RS) {
			if (strncmp(line, "Keel ", 5) && strncmp(line, "password:", 9) && strncmp(line, "logged in", 9) &&
			    line[0])
				conn_error(c, "%s", line); /* login failed, delays, refusals */
			continue;
		}
		if (!strcmp(line + 1, "ready"))
			return true;
		if (!strcmp(line + 1, "password")) {
			if (sent_password) {
				conn_error(c, "giving up: the password was not accepted");
				return false;
			}
			char buf[CRED_PASSWORD_MAX + 4];
			snprintf(buf, sizeof buf, "%s\n", password());
			if (!send_text(c, buf))
				return false;
			sent_password = true;
		} else if (!strncmp(line + 1, "bye", 3)) {
			conn_error(c, "the host closed the session (%s)", line + 5);
			return false;
		}
	}
	conn_error(c, "the host closed the connection during login");
	return false;
}

/* Sends one command line and prints the reply. The command's status, or -1 when the connection broke. */
static int conn_run(struct conn *c, const char *command)
{
	char buf[sizeof ((struct options *)0)->command + 2];
	snprintf(buf, sizeof buf, "%s\n", command);
	if (!send_text(c, buf))
		return -1;
	const char *line;
	while ((line = read_line(c))) {
		if (line[0] == RS && line[1] != RS) {
			if (!strncmp(line + 1, "end ", 4))
				return atoi(line + 5);
			if (!strncmp(line + 1, "bye", 3))
				return -1;
			continue;
		}
		print_reply_line(c, line);
	}
	conn_error(c, "the connection ended in the middle of a reply");
	return -1;
}

static void conn_close(struct conn *c)
{
	mbedtls_ssl_close_notify(&c->ssl);
	mbedtls_net_free(&c->net);
	mbedtls_ssl_free(&c->ssl);
	mbedtls_ssl_config_free(&c->conf);
	mbedtls_x509_crt_free(&c->client_cert);
	mbedtls_pk_free(&c->client_key);
}

static int interactive(struct conn *c)
{
	char line[4096];
	int status = 0;
	for (;;) {
		if (isatty(STDIN_FILENO)) {
			fprintf(stdout, "%s> ", c->label);
			fflush(stdout);
		}
		if (!fgets(line, sizeof line, stdin))
			break;
		line[strcspn(line, "\r\n")] = '\0';
		if (!strcmp(line, "exit") || !strcmp(line, "logout"))
			break;
		status = conn_run(c, line);
		fflush(stdout);
		if (status < 0)
			return EXIT_ERROR;
	}
	send_text(c, "logout\n");
	return status ? EXIT_FAILED : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: keelctl [--json] [--cert FILE --key FILE] [--timeout S] -H HOST[:PORT][,HOST...] "
			"[COMMAND...]\n       keelctl hash-password [--iterations N]\n");
	exit(EXIT_ERROR);
}

int main(int argc, char **argv)
{
	struct options o = { .timeout_s = 60 };
	int i = 1;
	if (argc > 1 && !strcmp(argv[1], "hash-password"))
		return hash_password(argc - 2, argv + 2);
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--json"))
			o.json = true;
		else if (!strcmp(a, "-H") && i + 1 < argc)
			o.hosts = argv[++i];
		else if (!strcmp(a, "--cert") && i + 1 < argc)
			o.cert_file = argv[++i];
		else if (!strcmp(a, "--key") && i + 1 < argc)
			o.key_file = argv[++i];
		else if (!strcmp(a, "--timeout") && i + 1 < argc)
			o.timeout_s = atoi(argv[++i]);
		else
			usage();
	}
	if (!o.hosts || (!o.cert_file != !o.key_file) || o.timeout_s <= 0)
		usage();
	for (size_t used = 0; i < argc; i++) {
		int n = snprintf(o.command + used, sizeof o.command - used, "%s%s", used ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof o.command - used)
			die("command too long");
		used += (size_t)n;
	}
	if (o.json && o.command[0])
		strncat(o.command, " --json", sizeof o.command - strlen(o.command) - 1);
	rng_init();

	char hosts[4096];
	snprintf(hosts, sizeof hosts, "%s", o.hosts);
	bool multi = strchr(hosts, ',') != NULL;
	if (!o.command[0] && multi)
		die("an interactive session takes one host");
	int result = 0;
	char *save = NULL;
	for (char *item = strtok_r(hosts, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		struct conn *c = calloc(1, sizeof *c);
		c->label = item;
		c->multi = multi;
		if (!conn_open(c, &o)) {
			result = EXIT_ERROR;
		} else if (!o.command[0]) {
			result = interactive(c);
		} else {
			int status = conn_run(c, o.command);
			if (status < 0)
				result = EXIT_ERROR;
			else if (status > 0 && result == 0)
				result = EXIT_FAILED;
			send_text(c, "logout\n");
		}
		fflush(stdout);
		conn_close(c);
		free(c);
	}
	return result;
}
