/* Serial line editor: echo, in-place editing, ANSI cursor-key decoding and history recall, one byte at
 * a time. It only emits what a VT100-class terminal understands: BS, CR, ESC [ n D and ESC [ K. */
#include "line_edit.h"

#include <stdio.h>
#include <string.h>

#define CTRL(c) ((c) & 0x1f)
#define KEY_ESC 0x1b
#define KEY_DEL 0x7f

enum esc_state { ESC_NONE, ESC_SEEN, ESC_CSI, ESC_SS3 };

static void emit(struct line_editor *le, const char *s, size_t n)
{
	if (le->emit && n)
		le->emit(le->emit_ctx, s, n);
}

static void emit_str(struct line_editor *le, const char *s)
{
	emit(le, s, strlen(s));
}

static void move_left(struct line_editor *le, size_t n)
{
	char seq[24];

	/* ESC [ 0 D would still move one column on most terminals, so zero moves send nothing. */
	if (n == 1)
		emit(le, "\b", 1);
	else if (n > 1)
		emit(le, seq, (size_t)snprintf(seq, sizeof(seq), "\x1b[%zuD", n));
}

static void set_line(struct line_editor *le, const char *text)
{
	le->len = strlen(text);
	memcpy(le->line, text, le->len + 1);
	le->cursor = le->len;
}

static void reset_line(struct line_editor *le)
{
	set_line(le, "");
	le->overlong = false;
	le->finished = false;
	le->hist_pos = -1;
}

/* Rewrites the whole line after the prompt and puts the terminal cursor back where ours is. */
static void redraw(struct line_editor *le)
{
	emit(le, "\r", 1);
	emit_str(le, le->prompt);
	emit(le, le->line, le->len);
	emit(le, "\x1b[K", 3);
	move_left(le, le->len - le->cursor);
}

void line_edit_init(struct line_editor *le, const char *prompt, line_edit_emit_fn emit_fn, void *ctx)
{
	memset(le, 0, sizeof(*le));
	le->prompt = prompt;
	le->emit = emit_fn;
	le->emit_ctx = ctx;
	reset_line(le);
}

void line_edit_prompt(struct line_editor *le)
{
	reset_line(le);
	le->esc = ESC_NONE;
	emit_str(le, le->prompt);
}

static void insert(struct line_editor *le, char c)
{
	if (le->len == SHELL_LINE_MAX) {
		le->overlong = true; /* refused whole at Enter; stop echoing now */
		return;
	}
	memmove(le->line + le->cursor + 1, le->line + le->cursor, le->len - le->cursor + 1);
	le->line[le->cursor] = c;
	le->len++;
	emit(le, le->line + le->cursor, le->len - le->cursor);
	le->cursor++;
	move_left(le, le->len - le->cursor);
}

/* Removes the character at pos (< len) and repaints from the cursor, which must already be at pos. */
static void remove_at(struct line_editor *le, size_t pos)
{
	memmove(le->line + pos, le->line + pos + 1, le->len - pos);
	le->len--;
	emit(le, le->line + pos, le->len - pos);
	emit(le, " ", 1);
	move_left(le, le->len - pos + 1);
}

static void history_push(struct line_editor *le)
{
	if (le->len == 0)
		return;
	if (le->hist_count && strcmp(le->history[le->hist_newest], le->line) == 0)
		return;
	le->hist_newest = le->hist_count ? (le->hist_newest + 1) % LINE_EDIT_HISTORY : 0;
	memcpy(le->history[le->hist_newest], le->line, le->len + 1);
	if (le->hist_count < LINE_EDIT_HISTORY)
		le->hist_count++;
}

/* Moves through the history by step (+1 older, -1 newer); the new line is saved on the way up. */
static void history_walk(struct line_editor *le, int step)
{
	int pos = le->hist_pos + step;

	if (pos < -1 || pos >= (int)le->hist_count)
		return;
	if (le->hist_pos == -1)
		memcpy(le->saved, le->line, le->len + 1);
	le->hist_pos = pos;
	if (pos == -1)
		set_line(le, le->saved);
	else
		set_line(le, le->history[(le->hist_newest + LINE_EDIT_HISTORY - (unsigned)pos) % LINE_EDIT_HISTORY]);
	redraw(le);
}

/* Acts on a decoded key: final is the CSI/SS3 final byte, param the first CSI parameter. */
static void cursor_key(struct line_editor *le, uint8_t final, unsigned param)
{
	if (le->overlong)
		return;
	if (final == '~')
		final = (param == 1 || param == 7) ? 'H' : (param == 4 || param == 8) ? 'F' : (param == 3) ? 'X' : 0;
	switch (final) {
	case 'A': history_walk(le, 1); break;
	case 'B': history_walk(le, -1); break;
	case 'C':
		if (le->cursor < le->len)
			emit(le, le->line + le->cursor++, 1);
		break;
	case 'D':
		if (le->cursor > 0) {
			le->cursor--;
			emit(le, "\b", 1);
		}
		break;
	case 'H':
		move_left(le, le->cursor);
		le->cursor = 0;
		break;
	case 'F':
		emit(le, le->line + le->cursor, le->len - le->cursor);
		le->cursor = le->len;
		break;
	case 'X':
		if (le->cursor < le->len)
			remove_at(le, le->cursor);
		break;
	default:
		break; /* unknown sequences are swallowed */
	}
}

/* One byte inside an escape sequence (never a C0 control: those abort the sequence first). */
static void escape_byte(struct line_editor *le, uint8_t byte)
{
	switch (le->esc) {
	case ESC_SEEN:
		le->esc = byte == '[' ? ESC_CSI : byte == 'O' ? ESC_SS3 : ESC_NONE;
		le->esc_param = 0;
		le->esc_more_params = false;
		return;
	case ESC_SS3:
		le->esc = ESC_NONE;
		cursor_key(le, byte, 0);
		return;
	default:
		break;
	}
	if (byte >= '0' && byte <= '9') {
		if (!le->esc_more_params && le->esc_param < 1000)
			le->esc_param = (uint16_t)(le->esc_param * 10 + (byte - '0'));
	} else if (byte == ';') {
		le->esc_more_params = true;
	} else if (byte >= 0x40 && byte <= 0x7e) {
		le->esc = ESC_NONE;
		cursor_key(le, byte, le->esc_param);
	} else if (byte < 0x20 || byte > 0x3f) {
		le->esc = ESC_NONE; /* not a CSI byte: drop the sequence (and the byte) */
	}
}

static int end_line(struct line_editor *le, int result)
{
	le->finished = true;
	le->esc = ESC_NONE;
	if (result != LINE_EDIT_DONE)
		set_line(le, "");
	return result;
}

int line_edit_feed(struct line_editor *le, uint8_t byte)
{
	/* The other half of a CR LF or LF CR pair that already ended a line: the line stays as it was. */
	if ((byte == '\r' || byte == '\n') && le->last_term && le->last_term != byte) {
		le->last_term = 0;
		return LINE_EDIT_NONE;
	}
	if (le->finished)
		reset_line(le);
	if (byte == '\r' || byte == '\n') {
		le->last_term = byte;
		emit(le, "\r\n", 2);
		if (le->overlong)
			return end_line(le, LINE_EDIT_TOO_LONG);
		history_push(le);
		return end_line(le, LINE_EDIT_DONE);
	}
	le->last_term = 0;
	if (byte == KEY_ESC) {
		le->esc = ESC_SEEN;
		return LINE_EDIT_NONE;
	}
	if (le->esc != ESC_NONE && byte >= 0x20) {
		escape_byte(le, byte);
		return LINE_EDIT_NONE;
	}
	le->esc = ESC_NONE; /* a control byte ends any sequence and is handled as itself */
	if (byte == CTRL('C')) {
		emit(le, "^C\r\n", 4);
		return end_line(le, LINE_EDIT_CANCEL);
	}
	if (le->overlong)
		return LINE_EDIT_NONE;
	if (byte == CTRL('D') && le->len == 0)
		return end_line(le, LINE_EDIT_EOF);
	if ((byte == KEY_DEL || byte == '\b') && le->cursor > 0) {
		le->cursor--;
		emit(le, "\b", 1);
		remove_at(le, le->cursor);
	} else if (byte == CTRL('U')) {
		set_line(le, "");
		redraw(le);
	} else if (byte >= 0x20 && byte < KEY_DEL) {
		insert(le, (char)byte);
	}
	return LINE_EDIT_NONE;
}
