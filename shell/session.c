/* The network shell's session protocol (see session.h and docs/PROTOCOL.md). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "session.h"

#define PROMPT          "keel> "
#define PASSWORD_PROMPT "password: "
#define LOG_MAX         256

static void emit_raw(struct session *s, const char *data, size_t n)
{
	if (n == 0)
		return;
	s->ops->emit(s->owner, data, n);
	s->out_line_start = data[n - 1] == '\n';
}

static void emit_text(struct session *s, const char *text)
{
	emit_raw(s, text, strlen(text));
}

/* A control line for keelctl: always at the start of a line. */
static void emit_control(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit_control(struct session *s, const char *fmt, ...)
{
	char buf[96];
	va_list ap;
	if (!s->out_line_start)
		emit_raw(s, "\n", 1);
	buf[0] = SESSION_CONTROL;
	va_start(ap, fmt);
	int n = vsnprintf(buf + 1, sizeof buf - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = 1 + ((size_t)n < sizeof buf - 2 ? (size_t)n : sizeof buf - 3);
	buf[len++] = '\n';
	emit_raw(s, buf, len);
}

static void log_line(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_line(struct session *s, const char *fmt, ...)
{
	char buf[LOG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	s->ops->log(s->owner, buf);
}

static void prompt_password(struct session *s)
{
	s->state = SESSION_AUTH;
	if (s->framed)
		emit_control(s, "password");
	else
		emit_text(s, PASSWORD_PROMPT);
}

static void prompt_command(struct session *s, bool first, int status)
{
	s->state = SESSION_READY;
	if (!s->framed)
		emit_text(s, PROMPT);
	else if (first)
		emit_control(s, "ready");
	else
		emit_control(s, "end %d", status);
}

static enum session_event close_session(struct session *s, const char *why, const char *text)
{
	emit_text(s, text);
	if (s->framed)
		emit_control(s, "bye %s", why);
	log_line(s, "network shell: %s closed (%s)", s->params.peer, why);
	s->state = SESSION_CLOSED;
	return SESSION_EV_CLOSE;
}

/* Password checking, or the wait that the back-off imposes before it. */
static void ask_password(struct session *s, uint64_t now_ms)
{
	uint64_t until = s->ops->auth_not_before(s->owner, now_ms);
	if (until > now_ms) {
		char text[96];
		snprintf(text, sizeof text, "login delayed %llu ms after failed logins from your address\n",
			 (unsigned long long)(until - now_ms));
		emit_text(s, text);
		s->state = SESSION_WAIT;
		s->not_before = until;
		return;
	}
	prompt_password(s);
}

enum session_event session_start(struct session *s, const struct session_params *params,
				 const struct credentials *creds, const struct session_ops *ops, void *owner,
				 uint64_t now_ms)
{
	char banner[SHELL_LINE_MAX];
	memset(s, 0, sizeof *s);
	s->ops = ops;
	s->owner = owner;
	s->params = *params;
	if (!s->params.idle_ms)
		s->params.idle_ms = SESSION_IDLE_MS;
	s->creds = *creds;
	s->out_line_start = true;
	s->last_input = now_ms;
	snprintf(banner, sizeof banner, "Keel %s on %s\n", params->version, params->hostname);
	emit_text(s, banner);
	if (params->cert_pinned) {
		ops->auth_ok(owner);
		log_line(s, "network shell: %s logged in (pinned client certificate)", params->peer);
		emit_text(s, "logged in by client certificate\n");
		prompt_command(s, true, 0);
		return SESSION_EV_NONE;
	}
	if (!creds->has_password)
		return close_session(s, "no-password", "this host takes pinned client certificates only\n");
	ask_password(s, now_ms);
	return SESSION_EV_NONE;
}

static enum session_event check_password(struct session *s, uint64_t now_ms)
{
	if (credentials_verify_password(&s->creds.password, s->line, s->len)) {
		s->ops->auth_ok(s->owner);
		log_line(s, "network shell: %s logged in (password)", s->params.peer);
		emit_text(s, "logged in\n");
		prompt_command(s, true, 0);
		return SESSION_EV_NONE;
	}
	s->failures++;
	uint64_t until = s->ops->auth_failed(s->owner, now_ms);
	log_line(s, "network shell: failed login from %s (%u on this connection, next check in %llu ms)",
		 s->params.peer, s->failures, (unsigned long long)(until > now_ms ? until - now_ms : 0));
	emit_text(s, "login failed\n");
	if (s->failures >= SESSION_MAX_ATTEMPTS)
		return close_session(s, "login-failed", "too many failed logins\n");
	ask_password(s, now_ms);
	return SESSION_EV_NONE;
}

/* A control line from the client (the line without its leading RS). */
static void control_line(struct session *s)
{
	if (strcmp(s->line + 1, "keelctl " SESSION_PROTOCOL) != 0 || s->framed)
		return; /* unknown control lines are ignored: newer clients may send more */
	s->framed = true;
	emit_control(s, "keel " SESSION_PROTOCOL);
	if (s->state == SESSION_AUTH)
		emit_control(s, "password");
	else if (s->state == SESSION_READY)
		emit_control(s, "ready");
}

static bool is_word(const char *line, size_t len, const char *word)
{
	size_t start = 0, end = len;
	while (start < end && (line[start] == ' ' || line[start] == '\t'))
		start++;
	while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;
	return end - start == strlen(word) && memcmp(line + start, word, end - start) == 0;
}

/* One complete line (in s->line, s->len bytes). */
static enum session_event handle_line(struct session *s, uint64_t now_ms)
{
	if (s->in_overlong) {
		s->in_overlong = false;
		if (s->state == SESSION_READY) {
			char text[80];
			snprintf(text, sizeof text, "error: line too long (over %d characters), ignored\n",
				 SHELL_LINE_MAX);
			emit_text(s, text);
			prompt_command(s, false, 1);
		} else if (s->state == SESSION_AUTH) {
			return check_password(s, now_ms); /* s->line holds a prefix: it fails like any wrong one */
		}
		return SESSION_EV_NONE;
	}
	if (s->len > 0 && s->line[0] == SESSION_CONTROL) {
		control_line(s);
		return SESSION_EV_NONE;
	}
	switch (s->state) {
	case SESSION_AUTH:
		return check_password(s, now_ms);
	case SESSION_READY:
		if (is_word(s->line, s->len, "exit") || is_word(s->line, s->len, "logout"))
			return close_session(s, "logout", "bye\n");
		s->state = SESSION_RUNNING;
		return SESSION_EV_RUN;
	default:
		return SESSION_EV_NONE; /* SESSION_WAIT: dropped */
	}
}

enum session_event session_feed(struct session *s, const uint8_t *data, size_t n, size_t *consumed,
				uint64_t now_ms)
{
	enum session_event ev = SESSION_EV_NONE;
	size_t i = 0;
	if (n > 0)
		s->last_input = now_ms;
	while (i < n && ev == SESSION_EV_NONE && (s->state == SESSION_AUTH || s->state == SESSION_WAIT ||
						   s->state == SESSION_READY)) {
		uint8_t c = data[i++];
		bool after_cr = s->in_after_cr;
		s->in_after_cr = c == '\r';
		if (c == '\n' && after_cr)
			continue;
		if (c == '\r' || c == '\n') {
			s->line[s->len < SHELL_LINE_MAX ? s->len : SHELL_LINE_MAX] = '\0';
			ev = handle_line(s, now_ms);
			if (ev != SESSION_EV_RUN) {
				memset(s->line, 0, sizeof s->line); /* may have held a password */
				s->len = 0;
			}
		} else if (s->len < SHELL_LINE_MAX) {
			s->line[s->len++] = (char)c;
		} else {
			s->in_overlong = true;
		}
	}
	*consumed = s->state == SESSION_CLOSED ? n : i;
	return ev;
}

const char *session_command(const struct session *s, size_t *len)
{
	*len = s->state == SESSION_RUNNING ? s->len : 0;
	return s->state == SESSION_RUNNING ? s->line : "";
}

void session_output(struct session *s, const char *data, size_t n)
{
	if (!s->framed) {
		emit_raw(s, data, n);
		return;
	}
	/* A reply line that starts with RS gets a second one, so it cannot pass for a control line. */
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (data[i] == SESSION_CONTROL && (i > start ? data[i - 1] == '\n' : s->out_line_start)) {
			emit_raw(s, data + start, i - start);
			emit_raw(s, "\x1e", 1);
			start = i;
		}
	}
	emit_raw(s, data + start, n - start);
}

void session_command_done(struct session *s, int status, uint64_t now_ms)
{
	if (s->state != SESSION_RUNNING)
		return;
	memset(s->line, 0, sizeof s->line);
	s->len = 0;
	s->last_input = now_ms;
	prompt_command(s, false, status ? 1 : 0);
}

enum session_event session_tick(struct session *s, uint64_t now_ms)
{
	if (s->state == SESSION_CLOSED || s->state == SESSION_RUNNING)
		return SESSION_EV_NONE;
	if (now_ms - s->last_input >= s->params.idle_ms && now_ms >= s->last_input)
		return close_session(s, "idle", "\nidle timeout, closing\n");
	if (s->state == SESSION_WAIT && now_ms >= s->not_before)
		prompt_password(s);
	return SESSION_EV_NONE;
}

uint64_t session_wakeup(const struct session *s)
{
	if (s->state == SESSION_CLOSED || s->state == SESSION_RUNNING)
		return UINT64_MAX;
	uint64_t idle = s->last_input + s->params.idle_ms;
	return s->state == SESSION_WAIT && s->not_before < idle ? s->not_before : idle;
}
