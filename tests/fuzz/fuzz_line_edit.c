/* libFuzzer target for shell/line_edit.c: any byte stream keeps the editor's line, cursor and history
 * within bounds, and finished lines hold only printable ASCII. */
#include "../../shell/line_edit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t emitted;

static void sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	if (n == 0 || s == NULL)
		abort();
	emitted += n;
}

static void check(const struct line_editor *le)
{
	if (le->len > SHELL_LINE_MAX || le->cursor > le->len || le->line[le->len] != '\0' ||
	    strlen(le->line) != le->len || le->hist_count > LINE_EDIT_HISTORY ||
	    le->hist_newest >= LINE_EDIT_HISTORY || le->hist_pos < -1 || le->hist_pos >= (int)le->hist_count)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct line_editor le;

	line_edit_init(&le, "keel> ", sink, NULL);
	line_edit_prompt(&le);
	for (size_t i = 0; i < size; i++) {
		int r = line_edit_feed(&le, data[i]);

		check(&le);
		switch (r) {
		case LINE_EDIT_DONE:
			for (size_t k = 0; k < le.len; k++) {
				if (le.line[k] < 0x20 || le.line[k] > 0x7e)
					abort();
			}
			/* Alternate between re-prompting and feeding on, as callers may do either. */
			if (i & 1)
				line_edit_prompt(&le);
			break;
		case LINE_EDIT_CANCEL:
		case LINE_EDIT_TOO_LONG:
		case LINE_EDIT_EOF:
			if (le.len != 0)
				abort();
			break;
		case LINE_EDIT_NONE:
			break;
		default:
			abort();
		}
	}
	for (unsigned h = 0; h < le.hist_count; h++) {
		size_t n = strnlen(le.history[h], sizeof(le.history[h]));

		if (n == 0 || n > SHELL_LINE_MAX)
			abort();
	}
	return 0;
}
