/* Unit tests for shell/session.c: what a person and keelctl see, byte for byte: banner and prompts, login by
 * password and by pinned certificate, wrong passwords with the back-off deadline honoured, the connection
 * limit on failures, over-long lines, framing of replies (status lines, RS stuffing), logout and idle
 * timeout. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "session_fake_owner.h"

static struct session s;
static struct fake_owner o;
static struct credentials creds;
static const struct session_params params = {
	.hostname = "web1", .version = "0.1.0", .peer = "10.0.2.2:40000", .idle_ms = 60000,
};

static enum session_event start(const struct session_params *p, uint64_t now)
{
	memset(&o, 0, sizeof o);
	memcpy(o.addr, "\x0a\x00\x02\x02", 4);
	backoff_init(&o.backoff, 0, 0, 0);
	return session_start(&s, p, &creds, &fake_ops, &o, now);
}

static void clear_out(void)
{
	o.out_len = 0;
	o.out[0] = '\0';
}

/* Feeds a string whole; returns the last event and requires that every byte was taken. */
static enum session_event feed(const char *text, uint64_t now)
{
	size_t used;
	enum session_event ev = session_feed(&s, (const uint8_t *)text, strlen(text), &used, now);
	CHECK_EQ(used, strlen(text));
	return ev;
}

static void test_login_and_command(void)
{
	CHECK_EQ(start(&params, 1000), SESSION_EV_NONE);
	CHECK_STR(o.out, "Keel 0.1.0 on web1\npassword: ");
	clear_out();
	CHECK_EQ(feed("hunter22\r\n", 1100), SESSION_EV_NONE);
	CHECK_STR(o.out, "logged in\nkeel> ");
	CHECK_EQ(o.oks, 1);
	CHECK(strstr(o.log, "10.0.2.2:40000 logged in (password)") != NULL);
	clear_out();
	/* Two lines in one read: the session stops at the first, the owner feeds the rest later. */
	size_t used;
	const char *two = "host show --json\r\nversion\n";
	CHECK_EQ(session_feed(&s, (const uint8_t *)two, strlen(two), &used, 1200), SESSION_EV_RUN);
	CHECK_EQ(used, strlen("host show --json\r"));
	size_t len;
	CHECK_STR(session_command(&s, &len), "host show --json");
	CHECK_EQ(len, 16);
	session_output(&s, "{\"a\":1}\n", 8);
	session_command_done(&s, 0, 1300);
	CHECK_STR(o.out, "{\"a\":1}\nkeel> ");
	clear_out();
	CHECK_EQ(session_feed(&s, (const uint8_t *)two + used, strlen(two) - used, &len, 1400), SESSION_EV_RUN);
	CHECK_STR(session_command(&s, &len), "version");
	session_command_done(&s, 1, 1500);
	CHECK_STR(o.out, "keel> ");
	/* Blank lines are commands too (the shell ignores them and the prompt comes back). */
	CHECK_EQ(feed("\n", 1600), SESSION_EV_RUN);
	session_command_done(&s, 0, 1600);
}

static void test_wrong_password_and_backoff(void)
{
	start(&params, 1000);
	clear_out();
	CHECK_EQ(feed("wrong\n", 1000), SESSION_EV_NONE);
	CHECK_STR(o.out, "login failed\nlogin delayed 250 ms after failed logins from your address\n");
	CHECK_EQ(s.state, SESSION_WAIT);
	CHECK_EQ(session_wakeup(&s), 1250);
	CHECK(strstr(o.log, "failed login from 10.0.2.2:40000 (1 on this connection, next check in 250 ms)"));
	clear_out();
	/* Typed during the wait: dropped, even the right password. */
	CHECK_EQ(feed("hunter22\n", 1100), SESSION_EV_NONE);
	CHECK_STR(o.out, "");
	CHECK_EQ(session_tick(&s, 1249), SESSION_EV_NONE);
	CHECK_STR(o.out, "");
	CHECK_EQ(session_tick(&s, 1250), SESSION_EV_NONE);
	CHECK_STR(o.out, "password: ");
	clear_out();
	CHECK_EQ(feed("wrong again\n", 1300), SESSION_EV_NONE);
	CHECK_STR(o.out, "login failed\nlogin delayed 500 ms after failed logins from your address\n");
	CHECK_EQ(session_wakeup(&s), 1800);
	session_tick(&s, 1800);
	clear_out();
	/* The third failure closes the connection. */
	CHECK_EQ(feed("nope\n", 1900), SESSION_EV_CLOSE);
	CHECK_STR(o.out, "login failed\ntoo many failed logins\n");
	CHECK_EQ(s.state, SESSION_CLOSED);
	CHECK_EQ(session_wakeup(&s), UINT64_MAX);

	/* A new connection from the same address waits out the back-off before its prompt. */
	struct backoff kept = o.backoff;
	memset(&o, 0, sizeof o);
	memcpy(o.addr, "\x0a\x00\x02\x02", 4);
	o.backoff = kept;
	session_start(&s, &params, &creds, &fake_ops, &o, 2000);
	CHECK_STR(o.out, "Keel 0.1.0 on web1\nlogin delayed 900 ms after failed logins from your address\n");
	session_tick(&s, 2900);
	CHECK(strstr(o.out, "password: ") != NULL);
	clear_out();
	/* A success forgets the address's failures. */
	feed("hunter22\n", 3000);
	CHECK_STR(o.out, "logged in\nkeel> ");
	CHECK_EQ(backoff_failures(&o.backoff, o.addr, 4, 3000), 0);
}

static void test_overlong_line(void)
{
	static char big[SHELL_LINE_MAX + 10];
	start(&params, 0);
	feed("hunter22\n", 0);
	clear_out();
	memset(big, 'x', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	CHECK_EQ(feed(big, 10), SESSION_EV_NONE);
	CHECK_STR(o.out, "error: line too long (over 1024 characters), ignored\nkeel> ");
	clear_out();
	/* Exactly the maximum is a line. */
	memset(big, 'y', SHELL_LINE_MAX);
	big[SHELL_LINE_MAX] = '\n';
	big[SHELL_LINE_MAX + 1] = '\0';
	CHECK_EQ(feed(big, 20), SESSION_EV_RUN);
	size_t len;
	session_command(&s, &len);
	CHECK_EQ(len, SHELL_LINE_MAX);
	session_command_done(&s, 0, 30);
	/* An over-long password is a wrong one. */
	start(&params, 0);
	memset(big, 'p', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	clear_out();
	feed(big, 10);
	CHECK(strncmp(o.out, "login failed\n", 13) == 0);
}

static void test_logout_and_idle(void)
{
	start(&params, 0);
	feed("hunter22\n", 0);
	clear_out();
	CHECK_EQ(feed("  logout \n", 10), SESSION_EV_CLOSE);
	CHECK_STR(o.out, "bye\n");
	CHECK(strstr(o.log, "10.0.2.2:40000 closed (logout)"));
	start(&params, 0);
	feed("hunter22\n", 0);
	CHECK_EQ(feed("exit\n", 10), SESSION_EV_CLOSE);
	/* exit as an argument is a command. */
	start(&params, 0);
	feed("hunter22\n", 0);
	CHECK_EQ(feed("help exit\n", 10), SESSION_EV_RUN);
	session_command_done(&s, 1, 20);

	/* Idle: the clock restarts with every input and after every reply. */
	CHECK_EQ(session_wakeup(&s), 60020);
	feed("x", 30000);
	CHECK_EQ(session_wakeup(&s), 90000);
	clear_out();
	CHECK_EQ(session_tick(&s, 89999), SESSION_EV_NONE);
	CHECK_EQ(session_tick(&s, 90000), SESSION_EV_CLOSE);
	CHECK_STR(o.out, "\nidle timeout, closing\n");
	/* Idle at the password prompt too. */
	start(&params, 0);
	CHECK_EQ(session_tick(&s, 60000), SESSION_EV_CLOSE);
	/* No timeout while a command runs. */
	start(&params, 0);
	feed("hunter22\n", 0);
	feed("vm connect a\n", 0);
	CHECK_EQ(session_wakeup(&s), UINT64_MAX);
	CHECK_EQ(session_tick(&s, 1000000), SESSION_EV_NONE);
}

static void test_framed(void)
{
	start(&params, 0);
	clear_out();
	feed("\x1ekeelctl 1\n", 0);
	CHECK_STR(o.out, "\n\x1ekeel 1\n\x1epassword\n");
	clear_out();
	feed("bad\n", 0);
	CHECK_STR(o.out, "login failed\nlogin delayed 250 ms after failed logins from your address\n");
	clear_out();
	session_tick(&s, 250);
	CHECK_STR(o.out, "\x1epassword\n");
	clear_out();
	feed("hunter22\n", 300);
	CHECK_STR(o.out, "logged in\n\x1eready\n");
	clear_out();
	CHECK_EQ(feed("log show\n", 400), SESSION_EV_RUN);
	/* Reply lines that start with RS are stuffed; a reply without a final newline gets one. */
	session_output(&s, "\x1e" "a\nb\x1e\n", 6);
	session_output(&s, "\x1e" "c", 2);
	session_command_done(&s, -22, 500);
	CHECK_STR(o.out, "\x1e\x1e" "a\nb\x1e\n\x1e\x1e" "c\n\x1e" "end 1\n");
	clear_out();
	feed("version\n", 600);
	session_output(&s, "Keel\n", 5);
	session_command_done(&s, 0, 600);
	CHECK_STR(o.out, "Keel\n\x1e" "end 0\n");
	clear_out();
	/* A second hello and unknown control lines change nothing. */
	feed("\x1ekeelctl 1\n\x1e" "future thing\n", 700);
	CHECK_STR(o.out, "");
	CHECK_EQ(feed("logout\n", 800), SESSION_EV_CLOSE);
	CHECK_STR(o.out, "bye\n\x1e" "bye logout\n");
}

static void test_certificate(void)
{
	struct session_params p = params;
	p.cert_pinned = true;
	start(&p, 0);
	CHECK_STR(o.out, "Keel 0.1.0 on web1\nlogged in by client certificate\nkeel> ");
	CHECK(strstr(o.log, "logged in (pinned client certificate)"));
	clear_out();
	feed("\x1ekeelctl 1\n", 0);
	CHECK_STR(o.out, "\n\x1ekeel 1\n\x1eready\n");
	/* Certificates only, and this client has none that matches: closed at once. */
	struct credentials saved = creds;
	creds.has_password = false;
	creds.cert_count = 1;
	CHECK_EQ(start(&params, 0), SESSION_EV_CLOSE);
	CHECK_STR(o.out, "Keel 0.1.0 on web1\nthis host takes pinned client certificates only\n");
	creds = saved;
}

int main(void)
{
	fake_credentials(&creds, "hunter22", 1000);
	test_login_and_command();
	test_wrong_password_and_backoff();
	test_overlong_line();
	test_logout_and_idle();
	test_framed();
	test_certificate();
	return check_summary();
}
