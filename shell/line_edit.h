/* Serial console line editor: a state machine fed one byte at a time that echoes, edits in place,
 * decodes ANSI cursor keys and walks a history. Output goes through a caller's emit function, so the
 * editor is pure logic, host-tested and fuzzed. */
#ifndef KEEL_SHELL_LINE_EDIT_H
#define KEEL_SHELL_LINE_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grammar.h"

#define LINE_EDIT_HISTORY 32

enum line_edit_result {
	LINE_EDIT_NONE,     /* keep feeding */
	LINE_EDIT_DONE,     /* le->line / le->len hold the finished line, NUL-terminated */
	LINE_EDIT_CANCEL,   /* Ctrl-C: the line was discarded */
	LINE_EDIT_TOO_LONG, /* Enter after more than SHELL_LINE_MAX characters: the whole line is refused */
	LINE_EDIT_EOF,      /* Ctrl-D on an empty line */
};

typedef void (*line_edit_emit_fn)(void *ctx, const char *s, size_t n);

struct line_editor {
	char line[SHELL_LINE_MAX + 1];
	size_t len;
	size_t cursor;         /* 0..len */
	bool overlong;         /* a character beyond SHELL_LINE_MAX was typed: swallow all until Enter */
	bool finished;         /* the last byte ended the line: the next byte starts a fresh one */
	uint8_t esc;           /* escape-sequence parser state */
	bool esc_more_params;  /* a ';' was seen: only the first CSI parameter counts */
	uint16_t esc_param;    /* first CSI parameter, saturating */
	uint8_t last_term;     /* CR or LF that ended the previous line if it was the previous byte, else 0 */
	const char *prompt;
	line_edit_emit_fn emit;
	void *emit_ctx;
	char history[LINE_EDIT_HISTORY][SHELL_LINE_MAX + 1]; /* ring, newest at hist_newest */
	unsigned hist_count;
	unsigned hist_newest;
	int hist_pos;          /* -1: editing a new line; else how far back (0 = newest) */
	char saved[SHELL_LINE_MAX + 1]; /* the new line, kept while walking the history */
};

/* Sets up le (history empty). prompt must stay valid; emit may be NULL for no echo. Emits nothing. */
void line_edit_init(struct line_editor *le, const char *prompt, line_edit_emit_fn emit, void *ctx);

/* Emits the prompt and starts an empty line. */
void line_edit_prompt(struct line_editor *le);

/* Feeds one received byte; returns an enum line_edit_result. After any result but NONE, the next byte
 * starts a fresh line (calling line_edit_prompt first is the usual way). CR LF and LF CR end one line. */
int line_edit_feed(struct line_editor *le, uint8_t byte);

#endif
