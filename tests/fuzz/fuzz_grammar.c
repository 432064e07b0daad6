/* libFuzzer target for shell/grammar.c and shell/command.c: any line tokenizes within its fixed
 * storage with consistent classification, and dispatching it prints at most one error line. */
#include "../../shell/command.h"
#include "../../shell/grammar.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char out[8192];
static size_t out_len;

static void sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	if (n > sizeof(out) - out_len)
		abort(); /* far more than one line */
	memcpy(out + out_len, s, n);
	out_len += n;
}

static int run(struct shell_ctx *ctx, const struct shell_args *args)
{
	(void)ctx;
	if (args->cmd_words < 1 || args->cmd_words > 2 || args->cmd_words > args->argc)
		abort();
	(void)shell_arg_operand(args, 0);
	return 0;
}

static const char *const keys[] = { "mem", "cpus", "name", NULL };
static const char *const flags[] = { "json", "force", NULL };
static const struct shell_command table[] = {
	{ "help", NULL, NULL, "help", NULL, 0, run, NULL, NULL },
	{ "vm", "new", NULL, "new", NULL, 0, run, keys, flags },
	{ "vm", "list", NULL, "list", NULL, 0, run, NULL, NULL },
	{ "host", "show", NULL, "show", NULL, SHELL_CMD_DEBUG, run, NULL, flags },
};

static void check_args(const struct shell_args *a)
{
	if (a->argc > SHELL_MAX_ARGS)
		abort();
	for (unsigned i = 0; i < a->argc; i++) {
		const char *w = a->argv[i];
		const char *end = a->storage + sizeof(a->storage);
		const char *nul;

		if (w < a->storage || w >= end || (nul = memchr(w, '\0', (size_t)(end - w))) == NULL)
			abort();
		switch (a->kind[i]) {
		case SHELL_ARG_WORD:
			break;
		case SHELL_ARG_KEYVAL:
		{
			char key[SHELL_LINE_MAX + 1];

			if (a->eq[i] == 0 || w + a->eq[i] >= nul || w[a->eq[i]] != '=')
				abort();
			memcpy(key, w, a->eq[i]);
			key[a->eq[i]] = '\0';
			if (shell_arg_value(a, key) == NULL)
				abort();
			break;
		}
		case SHELL_ARG_FLAG:
			if (strncmp(w, "--", 2) != 0)
				abort();
			(void)shell_arg_flag(a, w + 2);
			break;
		default:
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct shell_args args;
	struct shell_ctx ctx = { .write = sink };
	char err[96];
	int rc;

	rc = shell_parse((const char *)data, size, &args, err, sizeof(err));
	if (rc == 0) {
		if (size > SHELL_LINE_MAX)
			abort();
		check_args(&args);
		(void)shell_args_check(&args, "vm new", keys, flags, err, sizeof(err));
		if (memchr(err, '\0', sizeof(err)) == NULL)
			abort();
	} else if (args.argc != 0 || memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0') {
		abort();
	}

	out_len = 0;
	rc = shell_dispatch(table, sizeof(table) / sizeof(table[0]), &ctx, (const char *)data, size);
	if (rc < 0) {
		/* Exactly one line, starting "error: ". */
		if (out_len < 8 || memcmp(out, "error: ", 7) != 0 || memchr(out, '\n', out_len) != out + out_len - 1)
			abort();
	} else if (out_len != 0) {
		abort();
	}
	return 0;
}
