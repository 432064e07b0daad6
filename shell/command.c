/* Shell command model: formatted output, table lookup, dispatch with one-line errors, help listings. */
#include "command.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN  64 /* "noun verb" of a command, NUL included */
#define QUOTE_MAX     64 /* bytes of a user's word quoted back in an error message */
#define USAGE_COLUMN  40 /* widest usage column in listings; longer usages push their summary right */
#define ERR_MAX       160

int shell_printf(struct shell_ctx *ctx, const char *fmt, ...)
{
	char buf[SHELL_PRINTF_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(buf)) {
		ctx->write(ctx->sink, buf, sizeof(buf) - 1);
		return -ENOSPC;
	}
	ctx->write(ctx->sink, buf, (size_t)n);
	return n;
}

static bool is_word(const struct shell_args *args, unsigned i)
{
	return i < args->argc && args->kind[i] == SHELL_ARG_WORD;
}

const struct shell_command *shell_find(const struct shell_command *table, size_t n,
				       const struct shell_args *args, unsigned *words_used)
{
	if (!is_word(args, 0))
		return NULL;
	if (is_word(args, 1)) {
		for (size_t i = 0; i < n; i++) {
			if (table[i].verb && strcmp(table[i].noun, args->argv[0]) == 0 &&
			    strcmp(table[i].verb, args->argv[1]) == 0) {
				if (words_used)
					*words_used = 2;
				return &table[i];
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!table[i].verb && strcmp(table[i].noun, args->argv[0]) == 0) {
			if (words_used)
				*words_used = 1;
			return &table[i];
		}
	}
	return NULL;
}

static bool noun_has_verbs(const struct shell_command *table, size_t n, const char *noun, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (table[i].verb && strlen(table[i].noun) == len && memcmp(table[i].noun, noun, len) == 0)
			return true;
	}
	return false;
}

static void command_name(const struct shell_command *cmd, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", cmd->noun, cmd->verb ? " " : "", cmd->verb ? cmd->verb : "");
}

/* Says why args named no command: an unknown noun, or a known noun with an unknown or missing verb. */
static void print_unknown(const struct shell_command *table, size_t n, struct shell_ctx *ctx,
			  const struct shell_args *args)
{
	const char *noun = args->argv[0];

	if (!is_word(args, 0) || !noun_has_verbs(table, n, noun, strlen(noun))) {
		shell_printf(ctx, "error: unknown command '%.*s' (try 'help')\n", QUOTE_MAX, noun);
	} else if (is_word(args, 1)) {
		shell_printf(ctx, "error: unknown command '%.*s %.*s' (try 'help %.*s')\n", QUOTE_MAX, noun,
			     QUOTE_MAX, args->argv[1], QUOTE_MAX, noun);
	} else {
		shell_printf(ctx, "error: missing verb for '%.*s' (try 'help %.*s')\n", QUOTE_MAX, noun,
			     QUOTE_MAX, noun);
	}
}

int shell_dispatch(const struct shell_command *table, size_t n, struct shell_ctx *ctx, const char *line,
		   size_t len)
{
	const struct shell_command *cmd;
	struct shell_args args;
	char err[ERR_MAX];
	unsigned used = 0;

	if (shell_parse(line, len, &args, err, sizeof(err)) != 0) {
		shell_printf(ctx, "error: %s\n", err);
		return -EINVAL;
	}
	if (args.argc == 0)
		return 0;
	cmd = shell_find(table, n, &args, &used);
	if (!cmd) {
		print_unknown(table, n, ctx, &args);
		return -ENOENT;
	}
	args.cmd_words = used;
	if (cmd->opt_keys || cmd->opt_flags) {
		char name[NAME_MAX_LEN];

		command_name(cmd, name, sizeof(name));
		if (shell_args_check(&args, name, cmd->opt_keys, cmd->opt_flags, err, sizeof(err)) != 0) {
			shell_printf(ctx, "error: %s\n", err);
			return -EINVAL;
		}
	}
	return cmd->run(ctx, &args);
}

/* The usage text shown for cmd: its own, or its name when it has none. */
static const char *usage_of(const struct shell_command *cmd, char *buf, size_t len)
{
	if (cmd->usage)
		return cmd->usage;
	command_name(cmd, buf, len);
	return buf;
}

static void print_entry(struct shell_ctx *ctx, const struct shell_command *cmd, int width)
{
	char name[NAME_MAX_LEN];

	shell_printf(ctx, "  %-*s  %s%s\n", width, usage_of(cmd, name, sizeof(name)),
		     cmd->summary ? cmd->summary : "", (cmd->flags & SHELL_CMD_DEBUG) ? " [debug]" : "");
}

/* Width of the usage column: the widest usage, capped so one long synopsis does not push every line. */
static int usage_width(const struct shell_command *table, size_t n)
{
	char name[NAME_MAX_LEN];
	size_t width = 0;

	for (size_t i = 0; i < n; i++) {
		size_t w = strlen(usage_of(&table[i], name, sizeof(name)));

		if (w > width)
			width = w;
	}
	return (int)(width < USAGE_COLUMN ? width : USAGE_COLUMN);
}

static void print_list(const struct shell_command *table, size_t n, struct shell_ctx *ctx)
{
	int width = usage_width(table, n);
	bool any_debug = false;

	shell_printf(ctx, "Commands:\n");
	for (size_t i = 0; i < n; i++) {
		if (table[i].flags & SHELL_CMD_DEBUG)
			any_debug = true;
		else
			print_entry(ctx, &table[i], width);
	}
	if (any_debug) {
		shell_printf(ctx, "Debug commands (for diagnosis only):\n");
		for (size_t i = 0; i < n; i++) {
			if (table[i].flags & SHELL_CMD_DEBUG)
				print_entry(ctx, &table[i], width);
		}
	}
	shell_printf(ctx, "Type 'help NOUN' or 'help NOUN VERB' for details.\n");
}

static void print_details(struct shell_ctx *ctx, const struct shell_command *cmd)
{
	char name[NAME_MAX_LEN];

	shell_printf(ctx, "Usage: %s\n", usage_of(cmd, name, sizeof(name)));
	if (cmd->summary)
		shell_printf(ctx, "%s%s\n", cmd->summary, (cmd->flags & SHELL_CMD_DEBUG) ? " [debug]" : "");
	if (cmd->help && cmd->help[0]) {
		size_t len = strlen(cmd->help);

		/* Written directly: long help may exceed what one shell_printf can carry. */
		ctx->write(ctx->sink, "\n", 1);
		ctx->write(ctx->sink, cmd->help, len);
		if (cmd->help[len - 1] != '\n')
			ctx->write(ctx->sink, "\n", 1);
	}
}

static bool matches(const char *name, const char *word, size_t len)
{
	return name && strlen(name) == len && memcmp(name, word, len) == 0;
}

int shell_help(const struct shell_command *table, size_t n, struct shell_ctx *ctx, const char *topic)
{
	const char *word[3] = { 0 };
	size_t wlen[3] = { 0 };
	unsigned nwords = 0;
	int width = usage_width(table, n);
	size_t tlen;

	/* Split topic on blanks; a third word already means no such topic. */
	for (const char *p = topic; p && *p && nwords < 3;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		word[nwords] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		wlen[nwords] = (size_t)(p - word[nwords]);
		nwords++;
	}
	if (nwords == 0) {
		print_list(table, n, ctx);
		return 0;
	}
	if (nwords == 2) {
		for (size_t i = 0; i < n; i++) {
			if (matches(table[i].noun, word[0], wlen[0]) && matches(table[i].verb, word[1], wlen[1])) {
				print_details(ctx, &table[i]);
				return 0;
			}
		}
	}
	if (nwords == 1 && noun_has_verbs(table, n, word[0], wlen[0])) {
		shell_printf(ctx, "Commands for '%.*s':\n", (int)wlen[0], word[0]);
		for (size_t i = 0; i < n; i++) {
			if (matches(table[i].noun, word[0], wlen[0]))
				print_entry(ctx, &table[i], width);
		}
		return 0;
	}
	for (size_t i = 0; nwords == 1 && i < n; i++) {
		if (!table[i].verb && matches(table[i].noun, word[0], wlen[0])) {
			print_details(ctx, &table[i]);
			return 0;
		}
	}
	/* Quote the topic as typed, without its surrounding blanks. */
	tlen = strlen(word[0]);
	while (word[0][tlen - 1] == ' ' || word[0][tlen - 1] == '\t')
		tlen--;
	shell_printf(ctx, "error: no help for '%.*s'\n", (int)(tlen < QUOTE_MAX ? tlen : QUOTE_MAX), word[0]);
	return -ENOENT;
}
