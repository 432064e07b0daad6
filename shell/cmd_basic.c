/* The shell's own commands: help, version, log show. */
#include <string.h>
#include "kernel/log.h"
#include "kernel/version.h"
#include "shell/registry.h"

static int run_help(struct shell_ctx *ctx, const struct shell_args *args)
{
	char topic[2 * SHELL_LINE_MAX + 2] = "";
	for (unsigned i = 0; i < shell_arg_operand_count(args); i++) {
		if (i)
			strcat(topic, " ");
		strcat(topic, shell_arg_operand(args, i));
	}
	size_t count;
	const struct shell_command *table = shell_commands(&count);
	return shell_help(table, count, ctx, topic[0] ? topic : NULL);
}

SHELL_COMMAND(cmd_help) = {
	.noun = "help",
	.usage = "help [NOUN [VERB]]",
	.summary = "list commands, or explain one",
	.help = "Commands have the form: noun verb [name] [key=value ...] [--json].\n"
		"`help host` lists the host commands; `help host show` explains one.",
	.run = run_help,
	.opt_keys = (const char *const[]){ NULL },
	.opt_flags = (const char *const[]){ NULL },
};

static int run_version(struct shell_ctx *ctx, const struct shell_args *args)
{
	(void)args;
	shell_printf(ctx, "Keel %s\n", KEEL_VERSION);
	return 0;
}

SHELL_COMMAND(cmd_version) = {
	.noun = "version",
	.usage = "version",
	.summary = "print Keel's version",
	.run = run_version,
	.opt_keys = (const char *const[]){ NULL },
	.opt_flags = (const char *const[]){ NULL },
};

static void emit_to_shell(void *sink, const char *s, size_t n)
{
	struct shell_ctx *ctx = sink;
	ctx->write(ctx->sink, s, n);
}

static int run_log_show(struct shell_ctx *ctx, const struct shell_args *args)
{
	(void)args;
	log_dump(emit_to_shell, ctx);
	return 0;
}

SHELL_COMMAND(cmd_log_show) = {
	.noun = "log",
	.verb = "show",
	.usage = "log show",
	.summary = "print the kernel log (the last 64 KiB)",
	.run = run_log_show,
	.opt_keys = (const char *const[]){ NULL },
	.opt_flags = (const char *const[]){ NULL },
};
