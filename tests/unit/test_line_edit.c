/* Unit tests for shell/line_edit.c, fed byte by byte: echo, editing keys, escape sequences (known and
 * unknown), line terminators, Ctrl-C/Ctrl-D, history walking and the over-long line rule. */
#include "../../shell/line_edit.h"

#include <string.h>

#include "check.h"

static char echo[1 << 17];
static size_t echo_len;
static struct line_editor le;

static void capture(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	if (n > sizeof(echo) - 1 - echo_len)
		n = sizeof(echo) - 1 - echo_len;
	memcpy(echo + echo_len, s, n);
	echo_len += n;
	echo[echo_len] = '\0';
}

static void clear_echo(void)
{
	echo_len = 0;
	echo[0] = '\0';
}

/* Feeds n bytes; returns the last result that was not NONE (or NONE). */
static int feed_n(const char *s, size_t n)
{
	int last = LINE_EDIT_NONE;

	for (size_t i = 0; i < n; i++) {
		int r = line_edit_feed(&le, (uint8_t)s[i]);

		if (r != LINE_EDIT_NONE)
			last = r;
	}
	return last;
}

static int feed(const char *s)
{
	return feed_n(s, strlen(s));
}

static void start(void)
{
	line_edit_init(&le, "keel> ", capture, NULL);
	clear_echo();
	line_edit_prompt(&le);
}

static void test_basic(void)
{
	start();
	CHECK_STR(echo, "keel> ");
	CHECK_EQ(feed("vm list"), LINE_EDIT_NONE);
	CHECK_STR(echo, "keel> vm list");
	CHECK_EQ(feed("\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "vm list");
	CHECK_EQ(le.len, 7);
	CHECK_STR(echo, "keel> vm list\r\n");

	/* CR LF is one line end; so is LF CR; CR CR and LF LF are two. */
	clear_echo();
	line_edit_prompt(&le);
	CHECK_EQ(feed("\n"), LINE_EDIT_NONE); /* the LF of the CR LF above */
	CHECK_EQ(feed("a\r\n"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "a");
	CHECK_EQ(feed("b\n"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "b");
	CHECK_EQ(feed("\r"), LINE_EDIT_NONE);
	CHECK_EQ(line_edit_feed(&le, '\n'), LINE_EDIT_DONE);
	CHECK_STR(le.line, "");
	CHECK_EQ(line_edit_feed(&le, '\n'), LINE_EDIT_DONE);
	CHECK_EQ(line_edit_feed(&le, '\r'), LINE_EDIT_NONE);
	CHECK_EQ(line_edit_feed(&le, '\r'), LINE_EDIT_DONE);
	CHECK_EQ(le.len, 0);

	/* Control bytes and bytes >= 0x80 are ignored, never inserted. */
	start();
	CHECK_EQ(feed("a\001\002\t\x80\xff\x1c" "b\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "ab");
	CHECK_STR(echo, "keel> ab\r\n");
}

static void test_editing(void)
{
	start();
	feed("abc");
	clear_echo();
	feed("\x7f");
	CHECK_STR(echo, "\b \b");
	CHECK_EQ(feed("\b\bX\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "X");
	/* Backspace at the start does nothing. */
	start();
	clear_echo();
	feed("\x7f\b");
	CHECK_STR(echo, "");

	/* Left twice, insert in the middle: echo rewrites the tail and moves back. */
	start();
	feed("acd");
	clear_echo();
	feed("\x1b[D\x1b[D");
	CHECK_STR(echo, "\b\b");
	clear_echo();
	feed("b");
	CHECK_STR(echo, "bcd\x1b[2D");
	CHECK_EQ(le.cursor, 2);
	CHECK_EQ(feed("\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "abcd");

	/* Backspace in the middle. */
	start();
	feed("abXc\x1b[D");
	clear_echo();
	feed("\x7f");
	CHECK_STR(echo, "\bc \x1b[2D");
	CHECK_EQ(feed("\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "abc");

	/* Home, End, Delete in all their spellings. */
	start();
	feed("hello");
	clear_echo();
	feed("\x1b[H");
	CHECK_STR(echo, "\x1b[5D");
	CHECK_EQ(le.cursor, 0);
	clear_echo();
	feed("\x1b[3~");
	CHECK_STR(echo, "ello \x1b[5D");
	feed("\x1b[F");
	CHECK_EQ(le.cursor, 4);
	feed("\x1b[1~");
	CHECK_EQ(le.cursor, 0);
	feed("\x1b[4~");
	CHECK_EQ(le.cursor, 4);
	feed("\x1b[7~");
	CHECK_EQ(le.cursor, 0);
	feed("\x1b[8~");
	CHECK_EQ(le.cursor, 4);
	feed("\x1bOH");
	CHECK_EQ(le.cursor, 0);
	feed("\x1bOF");
	CHECK_EQ(le.cursor, 4);
	clear_echo();
	feed("\x1b[3~\x1b[C"); /* at the end: nothing to delete or move over */
	CHECK_STR(echo, "");
	feed("\x1b[D\x1b[D\x1b[C");
	CHECK_EQ(le.cursor, 3);
	feed("\x1bOD\x1bOC\x1bOC");
	CHECK_EQ(le.cursor, 4);
	CHECK_EQ(feed("\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "ello");

	/* Ctrl-U kills the line and redraws the prompt. */
	start();
	feed("garbage\x1b[D");
	clear_echo();
	feed("\x15");
	CHECK_STR(echo, "\rkeel> \x1b[K");
	CHECK_EQ(le.len, 0);
	CHECK_EQ(feed("ok\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "ok");
}

static void test_escapes(void)
{
	/* Unknown sequences are swallowed whole. */
	start();
	CHECK_EQ(feed("a\x1b[Zb\x1b[15~c\x1b[1;5Cd\x1b[?25le\x1bxf\x1bOPg\x1b[200~h\x1b[201~\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "abcdefgh");
	/* A lone ESC then text: the byte after ESC is swallowed (Alt-key), the rest inserted. */
	start();
	CHECK_EQ(feed("\x1b" "ab\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "b");
	/* ESC ESC [ D: the second ESC restarts the sequence. */
	start();
	feed("xy\x1b\x1b[D");
	CHECK_EQ(le.cursor, 1);
	/* Enter in the middle of a sequence ends the line; the sequence is dropped. */
	start();
	CHECK_EQ(feed("ab\x1b[\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "ab");
	CHECK_EQ(feed("c\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "c");
	/* Huge parameters saturate; a very long parameter run still ends at its final byte. */
	start();
	feed("\x1b[99999999999999999999999999999999;1;2;3;4;5D");
	feed("\x1b[3");
	for (int i = 0; i < 5000; i++)
		feed("0");
	feed("~z");
	CHECK_EQ(feed("\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "z");
	/* A DEL or high byte inside a sequence aborts it without inserting. */
	start();
	CHECK_EQ(feed("a\x1b[\x7f" "b\x1b[\xc3" "c\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "abc");
}

static void test_ctrl_c_d(void)
{
	start();
	feed("half");
	clear_echo();
	CHECK_EQ(feed("\x03"), LINE_EDIT_CANCEL);
	CHECK_STR(echo, "^C\r\n");
	CHECK_EQ(le.len, 0);
	CHECK_STR(le.line, "");
	line_edit_prompt(&le);
	CHECK_EQ(feed("\x04"), LINE_EDIT_EOF);
	line_edit_prompt(&le);
	CHECK_EQ(feed("x\x04"), LINE_EDIT_NONE); /* not empty: ignored */
	CHECK_EQ(feed("\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "x");
	/* Ctrl-C inside an escape sequence still cancels. */
	start();
	CHECK_EQ(feed("ab\x1b[1\x03"), LINE_EDIT_CANCEL);
	/* Cancelled lines never reach the history. */
	clear_echo();
	feed("\x1b[A");
	CHECK_STR(echo, "");
}

/* Walks: up shows older lines, down newer, past the newest restores the line being typed. */
static void test_history(void)
{
	start();
	feed("one\r");
	feed("two\r");
	feed("two\r"); /* repeated: stored once */
	feed("\r");    /* empty: not stored */
	feed("three\r");
	CHECK_EQ(le.hist_count, 3);
	line_edit_prompt(&le);
	feed("draft");
	clear_echo();
	feed("\x1b[A");
	CHECK_STR(echo, "\rkeel> three\x1b[K");
	CHECK_STR(le.line, "three");
	CHECK_EQ(le.cursor, 5);
	feed("\x1b[A");
	CHECK_STR(le.line, "two");
	feed("\x1bOA");
	CHECK_STR(le.line, "one");
	clear_echo();
	feed("\x1b[A"); /* oldest: stays */
	CHECK_STR(le.line, "one");
	CHECK_STR(echo, "");
	feed("\x1b[B");
	CHECK_STR(le.line, "two");
	feed("\x1bOB\x1b[B");
	CHECK_STR(le.line, "draft");
	clear_echo();
	feed("\x1b[B"); /* newest: stays */
	CHECK_STR(echo, "");
	/* Edit a recalled line; the history entry itself is unchanged. */
	feed("\x1b[A\x1b[A\x7f\x7fX");
	CHECK_EQ(feed("\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "tX");
	line_edit_prompt(&le);
	feed("\x1b[A");
	CHECK_STR(le.line, "tX");
	feed("\x1b[A");
	CHECK_STR(le.line, "three");
	feed("\x1b[A");
	CHECK_STR(le.line, "two");
	/* Redraw with the cursor not at the end: cursor moves back after ESC [ K. */
	feed("\x03");
	line_edit_prompt(&le);
	feed("ab\x1b[A");
	feed("\x1b[D\x1b[D\x1b[B");
	CHECK_STR(le.line, "ab");

	/* The ring keeps the newest 32. */
	start();
	for (int i = 0; i < 40; i++) {
		char cmd[16];

		snprintf(cmd, sizeof(cmd), "cmd%d\r", i);
		feed(cmd);
	}
	CHECK_EQ(le.hist_count, LINE_EDIT_HISTORY);
	line_edit_prompt(&le);
	for (int i = 0; i < 40; i++)
		feed("\x1b[A");
	CHECK_STR(le.line, "cmd8");
	feed("\x1b[B");
	CHECK_STR(le.line, "cmd9");
}

static void test_too_long(void)
{
	static char big[65536];

	/* Exactly SHELL_LINE_MAX characters: accepted. */
	start();
	memset(big, 'a', SHELL_LINE_MAX);
	CHECK_EQ(feed_n(big, SHELL_LINE_MAX), LINE_EDIT_NONE);
	CHECK_EQ(feed("\r"), LINE_EDIT_DONE);
	CHECK_EQ(le.len, SHELL_LINE_MAX);
	CHECK_EQ(strlen(le.line), SHELL_LINE_MAX);

	/* A 64 KiB line: refused whole, echo stops at the limit. */
	start();
	clear_echo();
	memset(big, 'b', sizeof(big));
	CHECK_EQ(feed_n(big, sizeof(big)), LINE_EDIT_NONE);
	CHECK_EQ(echo_len, SHELL_LINE_MAX);
	clear_echo();
	feed("\x7f\x1b[D\x1b[A\x15q"); /* editing keys do nothing now and echo nothing */
	CHECK_STR(echo, "");
	CHECK_EQ(feed("\r"), LINE_EDIT_TOO_LONG);
	CHECK_EQ(le.len, 0);
	CHECK_STR(echo, "\r\n");
	/* Not in the history; the next line works normally. */
	line_edit_prompt(&le);
	clear_echo();
	feed("\x1b[A");
	CHECK_STR(le.line, "");
	CHECK_EQ(feed("ok\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "ok");

	/* Over-long, then Ctrl-C: cancelled, not too long. */
	start();
	feed_n(big, SHELL_LINE_MAX + 1);
	CHECK_EQ(feed("\x03"), LINE_EDIT_CANCEL);
	/* Inserting in the middle of a full line also overflows. */
	start();
	feed_n(big, SHELL_LINE_MAX);
	feed("\x1b[H");
	clear_echo();
	feed("x");
	CHECK_STR(echo, "");
	CHECK_EQ(feed("\n"), LINE_EDIT_TOO_LONG);
}

static void test_no_emit(void)
{
	line_edit_init(&le, "> ", NULL, NULL);
	line_edit_prompt(&le);
	CHECK_EQ(feed("ab\x1b[Dc\x1b[A\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "acb");
	/* Feeding without calling line_edit_prompt starts a fresh line too. */
	CHECK_EQ(feed("next\r"), LINE_EDIT_DONE);
	CHECK_STR(le.line, "next");
}

int main(void)
{
	test_basic();
	test_editing();
	test_escapes();
	test_ctrl_c_d();
	test_history();
	test_too_long();
	test_no_emit();
	return check_summary();
}
