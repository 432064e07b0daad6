/* Shell line grammar: splits one command line into words (quotes, backslash escapes) and classifies each
 * as a positional word, a key=value option or a --flag. Pure logic, host-tested and fuzzed. */
#ifndef KEEL_SHELL_GRAMMAR_H
#define KEEL_SHELL_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHELL_MAX_ARGS 32
#define SHELL_LINE_MAX 1024

enum shell_arg_kind {
	SHELL_ARG_WORD,   /* positional: a command word, a name */
	SHELL_ARG_KEYVAL, /* key=value with an unquoted key [A-Za-z_][A-Za-z0-9_-]* */
	SHELL_ARG_FLAG,   /* a word starting with an unquoted "--"; the name is what follows */
};

/* argv points into storage: a shell_args must not be copied byte-wise. */
struct shell_args {
	unsigned argc;
	char *argv[SHELL_MAX_ARGS];            /* unquoted, unescaped, NUL-terminated */
	uint8_t kind[SHELL_MAX_ARGS];          /* enum shell_arg_kind */
	uint16_t eq[SHELL_MAX_ARGS];           /* KEYVAL: offset of the '=' in argv[i] */
	unsigned cmd_words;                    /* leading words naming the command (set by shell_dispatch) */
	char storage[SHELL_LINE_MAX + 1];
};

/* Splits len bytes of line into *out. Spaces, tabs, CR and LF separate words; '...' is literal;
 * "..." is literal except \" and \\; outside quotes a backslash escapes the next byte.
 * 0, or -EINVAL with out->argc = 0 and a message in err (errlen bytes, may be 0): "unterminated quote",
 * "backslash at end of line", "too many words (max 32)", "invalid character in line",
 * "line too long (over 1024 characters), ignored". */
int shell_parse(const char *line, size_t len, struct shell_args *out, char *err, size_t errlen);

/* Value of the first key=value option named key, or NULL when there is none. */
const char *shell_arg_value(const struct shell_args *args, const char *key);

/* Whether --name was given. */
bool shell_arg_flag(const struct shell_args *args, const char *name);

/* The n-th positional word after the command words (n from 0), or NULL. */
const char *shell_arg_operand(const struct shell_args *args, unsigned n);

/* How many positional words follow the command words. */
unsigned shell_arg_operand_count(const struct shell_args *args);

/* Checks every option of args against NULL-terminated lists of allowed keys and flag names (a NULL list
 * allows none). 0, or -EINVAL with a message naming command, e.g. "unknown option 'foo' for 'host show'",
 * "unknown option '--foo' for 'host show'", "option 'mem' given twice for 'vm new'". */
int shell_args_check(const struct shell_args *args, const char *command, const char *const *keys,
		     const char *const *flags, char *err, size_t errlen);

#endif
