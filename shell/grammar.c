/* Shell line tokenizer and option helpers: quoting rules, word classification (positional, key=value,
 * --flag) and checking options against what a command accepts. */
#include "grammar.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define QUOTE_MAX 64 /* bytes of a user's word quoted back in an error message */

/* What the tokenizer knows about the word being built. */
struct word {
	char *text;
	size_t len;
	int eq;           /* offset of the first unquoted '=' preceded only by unquoted bytes, or -1 */
	bool any_quoted;  /* some byte so far came from quotes or an escape */
	bool flag_prefix; /* the word starts with two unquoted '-' (so far) */
};

static int fail(struct shell_args *out, char *err, size_t errlen, const char *msg)
{
	out->argc = 0;
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return -EINVAL;
}

static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Control bytes are never part of a command; bytes >= 0x80 pass (UTF-8 names). */
static bool is_valid(char c)
{
	unsigned char u = (unsigned char)c;

	return u >= 0x20 && u != 0x7f;
}

static bool is_key(const char *s, size_t n)
{
	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

static void word_put(struct word *w, char c, bool quoted)
{
	if (!quoted && c == '=' && w->eq < 0 && !w->any_quoted)
		w->eq = (int)w->len;
	if (w->len < 2 && (quoted || c != '-'))
		w->flag_prefix = false;
	if (quoted)
		w->any_quoted = true;
	w->text[w->len++] = c;
}

/* Terminates the current word and records how it classifies. */
static void word_end(struct shell_args *out, struct word *w)
{
	unsigned i = out->argc++;

	w->text[w->len] = '\0';
	out->argv[i] = w->text;
	out->eq[i] = 0;
	if (w->flag_prefix && w->len >= 2) {
		out->kind[i] = SHELL_ARG_FLAG;
	} else if (w->eq > 0 && is_key(w->text, (size_t)w->eq)) {
		out->kind[i] = SHELL_ARG_KEYVAL;
		out->eq[i] = (uint16_t)w->eq;
	} else {
		out->kind[i] = SHELL_ARG_WORD;
	}
}

/* Output never outgrows storage: each word needs at most as many bytes as its input, plus a NUL that
 * the following separator (or the end of the line, hence the +1) pays for. */
int shell_parse(const char *line, size_t len, struct shell_args *out, char *err, size_t errlen)
{
	struct word w = { 0 };
	char *next = out->storage;
	bool in_word = false;
	char quote = 0;

	out->argc = 0;
	out->cmd_words = 0;
	if (len > SHELL_LINE_MAX)
		return fail(out, err, errlen, "line too long (over 1024 characters), ignored");
	for (size_t i = 0; i < len; i++) {
		char c = line[i];

		if (quote == '"' && c == '\\' && i + 1 < len && (line[i + 1] == '"' || line[i + 1] == '\\')) {
			word_put(&w, line[++i], true);
			continue;
		}
		if (quote && c == quote) {
			quote = 0;
			continue;
		}
		if (!quote && is_separator(c)) {
			if (in_word) {
				word_end(out, &w);
				next = w.text + w.len + 1;
				in_word = false;
			}
			continue;
		}
		if (!is_valid(c) && !(quote && c == '\t'))
			return fail(out, err, errlen, "invalid character in line");
		if (quote) {
			word_put(&w, c, true);
			continue;
		}
		if (!in_word) {
			if (out->argc == SHELL_MAX_ARGS)
				return fail(out, err, errlen, "too many words (max 32)");
			w = (struct word){ .text = next, .eq = -1, .flag_prefix = true };
			in_word = true;
		}
		if (c == '\'' || c == '"') {
			quote = c;
			if (w.len < 2)
				w.flag_prefix = false;
			w.any_quoted = true;
		} else if (c == '\\') {
			if (i + 1 == len)
				return fail(out, err, errlen, "backslash at end of line");
			if (!is_valid(line[++i]))
				return fail(out, err, errlen, "invalid character in line");
			word_put(&w, line[i], true);
		} else {
			word_put(&w, c, false);
		}
	}
	if (quote)
		return fail(out, err, errlen, "unterminated quote");
	if (in_word)
		word_end(out, &w);
	return 0;
}

const char *shell_arg_value(const struct shell_args *args, const char *key)
{
	size_t n = strlen(key);

	for (unsigned i = 0; i < args->argc; i++) {
		if (args->kind[i] == SHELL_ARG_KEYVAL && args->eq[i] == n && memcmp(args->argv[i], key, n) == 0)
			return args->argv[i] + n + 1;
	}
	return NULL;
}

bool shell_arg_flag(const struct shell_args *args, const char *name)
{
	for (unsigned i = 0; i < args->argc; i++) {
		if (args->kind[i] == SHELL_ARG_FLAG && strcmp(args->argv[i] + 2, name) == 0)
			return true;
	}
	return false;
}

const char *shell_arg_operand(const struct shell_args *args, unsigned n)
{
	unsigned seen = 0;

	for (unsigned i = 0; i < args->argc; i++) {
		if (args->kind[i] != SHELL_ARG_WORD)
			continue;
		if (seen >= args->cmd_words && seen - args->cmd_words == n)
			return args->argv[i];
		seen++;
	}
	return NULL;
}

unsigned shell_arg_operand_count(const struct shell_args *args)
{
	unsigned words = 0;

	for (unsigned i = 0; i < args->argc; i++)
		words += args->kind[i] == SHELL_ARG_WORD;
	return words > args->cmd_words ? words - args->cmd_words : 0;
}

static bool in_list(const char *const *list, const char *s, size_t n)
{
	for (; list && *list; list++) {
		if (strlen(*list) == n && memcmp(*list, s, n) == 0)
			return true;
	}
	return false;
}

int shell_args_check(const struct shell_args *args, const char *command, const char *const *keys,
		     const char *const *flags, char *err, size_t errlen)
{
	for (unsigned i = 0; i < args->argc; i++) {
		const char *a = args->argv[i];
		int keylen = args->eq[i];

		if (args->kind[i] == SHELL_ARG_FLAG && !in_list(flags, a + 2, strlen(a + 2))) {
			if (err && errlen)
				snprintf(err, errlen, "unknown option '%.*s' for '%s'", QUOTE_MAX, a, command);
			return -EINVAL;
		}
		if (args->kind[i] != SHELL_ARG_KEYVAL)
			continue;
		if (!in_list(keys, a, (size_t)keylen)) {
			if (err && errlen)
				snprintf(err, errlen, "unknown option '%.*s' for '%s'",
					 keylen < QUOTE_MAX ? keylen : QUOTE_MAX, a, command);
			return -EINVAL;
		}
		for (unsigned j = 0; j < i; j++) {
			if (args->kind[j] == SHELL_ARG_KEYVAL && args->eq[j] == keylen &&
			    memcmp(args->argv[j], a, (size_t)keylen) == 0) {
				if (err && errlen)
					snprintf(err, errlen, "option '%.*s' given twice for '%s'",
						 keylen < QUOTE_MAX ? keylen : QUOTE_MAX, a, command);
				return -EINVAL;
			}
		}
	}
	return 0;
}
