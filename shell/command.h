/* Shell command model: the command table entry, the output context, lookup of a parsed line in a table,
 * dispatch with one-line errors, and the help text built from the table. Pure logic, host-tested. */
#ifndef KEEL_SHELL_COMMAND_H
#define KEEL_SHELL_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grammar.h"

#define SHELL_CMD_DEBUG   0x1u /* diagnosis only: listed apart in help */
#define SHELL_PRINTF_MAX  1024 /* bytes one shell_printf call can emit, NUL included */

/* Where a command's output goes (serial console or a TLS session) plus the front end's private data. */
struct shell_ctx {
	void (*write)(void *sink, const char *s, size_t n);
	void *sink;
	void *priv;
};

struct shell_command {
	const char *noun;    /* "vm", or the whole name of a one-word command ("help") */
	const char *verb;    /* "new"; NULL for one-word commands */
	const char *usage;   /* full synopsis, e.g. "vm new NAME [mem=SIZE] [--json]"; NULL: noun and verb */
	const char *summary; /* one line */
	const char *help;    /* longer text, may hold newlines; may be NULL */
	unsigned flags;      /* SHELL_CMD_* */
	int (*run)(struct shell_ctx *ctx, const struct shell_args *args);
	/* Optional: when either list is non-NULL, shell_dispatch rejects any key=value or --flag not listed
	 * (NULL-terminated; "json" must be listed to allow --json) before run is called. */
	const char *const *opt_keys;
	const char *const *opt_flags;
};

/* Formats into a SHELL_PRINTF_MAX stack buffer and writes it to ctx. Returns the bytes written, -ENOSPC
 * when the text was cut to SHELL_PRINTF_MAX - 1 bytes (the cut text is still written), or -EINVAL for a
 * format error. */
int shell_printf(struct shell_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The command args names: noun and verb as its first two positional words, else a one-word command.
 * NULL when nothing matches. *words_used (may be NULL) gets 2 or 1. */
const struct shell_command *shell_find(const struct shell_command *table, size_t n,
				       const struct shell_args *args, unsigned *words_used);

/* Parses line (len bytes), finds its command and runs it. A blank line does nothing and returns 0.
 * Errors print exactly one line starting "error: " and return without running anything:
 * a parse error (-EINVAL), "unknown command 'foo' (try 'help')", "unknown command 'host frob' (try 'help
 * host')", "missing verb for 'host' (try 'help host')" (-ENOENT), an option check failure (-EINVAL).
 * Otherwise returns what the command's run returns. */
int shell_dispatch(const struct shell_command *table, size_t n, struct shell_ctx *ctx, const char *line,
		   size_t len);

/* Help. topic NULL or blank: every command's usage and summary, debug commands in their own section.
 * "NOUN": the commands of that noun (or the one-word command's details); "NOUN VERB": usage, summary
 * and long help. 0, or -ENOENT after printing "error: no help for 'TOPIC'". */
int shell_help(const struct shell_command *table, size_t n, struct shell_ctx *ctx, const char *topic);

#endif
