/* Unit tests for shell/command.c: lookup order, dispatch and its one-line errors, option checks,
 * shell_printf limits, and the help listings and topics. */
#include "../../shell/command.h"

#include <errno.h>
#include <string.h>

#include "check.h"

static char out[16384];
static size_t out_len;
static const struct shell_args *last_args;
static const char *last_cmd;

static void sink_write(void *sink, const char *s, size_t n)
{
	(void)sink;
	if (n > sizeof(out) - 1 - out_len)
		n = sizeof(out) - 1 - out_len;
	memcpy(out + out_len, s, n);
	out_len += n;
	out[out_len] = '\0';
}

static struct shell_ctx ctx = { .write = sink_write };

static void reset(void)
{
	out_len = 0;
	out[0] = '\0';
	last_args = NULL;
	last_cmd = NULL;
}

static int run_record(struct shell_ctx *c, const struct shell_args *args)
{
	(void)c;
	last_args = args;
	last_cmd = args->argv[0];
	return 0;
}

static int run_vm_new(struct shell_ctx *c, const struct shell_args *args)
{
	run_record(c, args);
	return shell_printf(c, "created %s mem=%s\n", shell_arg_operand(args, 0),
			    shell_arg_value(args, "mem") ? shell_arg_value(args, "mem") : "-") < 0 ? -EIO : 7;
}

static int run_fail(struct shell_ctx *c, const struct shell_args *args)
{
	(void)c;
	(void)args;
	return -EBUSY;
}

static const char *const vm_new_keys[] = { "mem", "cpus", NULL };
static const char *const json_only[] = { "json", NULL };

static const struct shell_command table[] = {
	{ "help", NULL, "help [NOUN [VERB]]", "show help", NULL, 0, run_record, NULL, NULL },
	{ "version", NULL, NULL, "show the version", "Prints the Keel version.", 0, run_record, NULL, NULL },
	{ "host", "show", "host show [--json]", "show host status",
	  "Shows CPUs, memory and virtualization support.\nWith --json, prints one JSON object.", 0,
	  run_record, NULL, json_only },
	{ "host", "poweroff", "host poweroff", "power the machine off", NULL, 0, run_fail, NULL, NULL },
	{ "vm", "new", "vm new NAME [mem=SIZE] [cpus=N] [--json]", "create a virtual machine",
	  "Creates NAME.\n", 0, run_vm_new, vm_new_keys, json_only },
	{ "vm", "list", NULL, "list virtual machines", NULL, 0, run_record, NULL, NULL },
	{ "debug", "fault", "debug fault KIND", "trigger a host exception", "Test only.", SHELL_CMD_DEBUG,
	  run_record, NULL, NULL },
	{ "vm", NULL, "vm", "odd one-word command sharing a noun", NULL, 0, run_record, NULL, NULL },
};
#define N (sizeof(table) / sizeof(table[0]))

static int dispatch(const char *line)
{
	reset();
	return shell_dispatch(table, N, &ctx, line, strlen(line));
}

static void test_find(void)
{
	struct shell_args args;
	unsigned used = 99;

	shell_parse("vm list x", 9, &args, NULL, 0);
	CHECK(shell_find(table, N, &args, &used) == &table[5]);
	CHECK_EQ(used, 2);
	shell_parse("vm frob", 7, &args, NULL, 0);
	CHECK(shell_find(table, N, &args, &used) == &table[7]); /* falls back to the one-word "vm" */
	CHECK_EQ(used, 1);
	shell_parse("help host show", 14, &args, NULL, 0);
	CHECK(shell_find(table, N, &args, &used) == &table[0]);
	CHECK_EQ(used, 1);
	shell_parse("host --json show", 16, &args, NULL, 0);
	CHECK(shell_find(table, N, &args, NULL) == NULL); /* verb must be the second word */
	shell_parse("--json", 6, &args, NULL, 0);
	CHECK(shell_find(table, N, &args, NULL) == NULL);
	shell_parse("", 0, &args, NULL, 0);
	CHECK(shell_find(table, N, &args, NULL) == NULL);
	CHECK(shell_find(table, 0, &args, NULL) == NULL);
}

static void test_dispatch(void)
{
	CHECK_EQ(dispatch(""), 0);
	CHECK_STR(out, "");
	CHECK_EQ(dispatch("   \t "), 0);
	CHECK_STR(out, "");
	CHECK(last_cmd == NULL);

	CHECK_EQ(dispatch("vm new web mem=256M --json"), 7);
	CHECK_STR(out, "created web mem=256M\n");
	CHECK_EQ(last_args->cmd_words, 2);
	CHECK_EQ(dispatch("host poweroff"), -EBUSY);
	CHECK_EQ(dispatch("version"), 0);
	CHECK_STR(last_cmd, "version");
	CHECK_EQ(last_args->cmd_words, 1);
	CHECK_EQ(dispatch("debug fault pf"), 0);
	CHECK_STR(shell_arg_operand(last_args, 0), "pf");

	CHECK_EQ(dispatch("foo"), -ENOENT);
	CHECK_STR(out, "error: unknown command 'foo' (try 'help')\n");
	CHECK_EQ(dispatch("foo bar baz"), -ENOENT);
	CHECK_STR(out, "error: unknown command 'foo' (try 'help')\n");
	CHECK_EQ(dispatch("host frob"), -ENOENT);
	CHECK_STR(out, "error: unknown command 'host frob' (try 'help host')\n");
	CHECK_EQ(dispatch("host"), -ENOENT);
	CHECK_STR(out, "error: missing verb for 'host' (try 'help host')\n");
	CHECK_EQ(dispatch("host --json"), -ENOENT);
	CHECK_STR(out, "error: missing verb for 'host' (try 'help host')\n");
	CHECK_EQ(dispatch("--json"), -ENOENT);
	CHECK_STR(out, "error: unknown command '--json' (try 'help')\n");
	CHECK_EQ(dispatch("mem=1"), -ENOENT);
	CHECK_STR(out, "error: unknown command 'mem=1' (try 'help')\n");
	CHECK(last_cmd == NULL);

	CHECK_EQ(dispatch("vm new \"web"), -EINVAL);
	CHECK_STR(out, "error: unterminated quote\n");
	CHECK_EQ(dispatch("vm new web color=red"), -EINVAL);
	CHECK_STR(out, "error: unknown option 'color' for 'vm new'\n");
	CHECK_EQ(dispatch("host show --yaml"), -EINVAL);
	CHECK_STR(out, "error: unknown option '--yaml' for 'host show'\n");
	CHECK_EQ(dispatch("vm new web mem=1 mem=2"), -EINVAL);
	CHECK_STR(out, "error: option 'mem' given twice for 'vm new'\n");
	CHECK(last_cmd == NULL); /* nothing ran */
	/* Commands without option lists check nothing themselves here. */
	CHECK_EQ(dispatch("vm list anything=1 --x"), 0);

	/* Long words are quoted back capped, still on one line. */
	{
		char line[300];

		memset(line, 'w', 200);
		line[200] = '\0';
		CHECK_EQ(dispatch(line), -ENOENT);
		CHECK(strlen(out) < 120);
		CHECK(strchr(out, '\n') == out + strlen(out) - 1);
	}
	{
		static char line[2000];

		memset(line, 'a', sizeof(line) - 1);
		CHECK_EQ(dispatch(line), -EINVAL);
		CHECK_STR(out, "error: line too long (over 1024 characters), ignored\n");
	}
}

static void test_printf(void)
{
	static char big[3000];

	reset();
	CHECK_EQ(shell_printf(&ctx, "%d-%s", 42, "x"), 4);
	CHECK_STR(out, "42-x");
	reset();
	memset(big, 'b', sizeof(big) - 1);
	CHECK_EQ(shell_printf(&ctx, "%s", big), -ENOSPC);
	CHECK_EQ(out_len, SHELL_PRINTF_MAX - 1);
	reset();
	memset(big, 'c', sizeof(big));
	big[SHELL_PRINTF_MAX - 1] = '\0';
	CHECK_EQ(shell_printf(&ctx, "%s", big), SHELL_PRINTF_MAX - 1);
	CHECK_EQ(out_len, SHELL_PRINTF_MAX - 1);
}

static void test_help(void)
{
	reset();
	CHECK_EQ(shell_help(table, N, &ctx, NULL), 0);
	CHECK_STR(out,
		  "Commands:\n"
		  "  help [NOUN [VERB]]                        show help\n"
		  "  version                                   show the version\n"
		  "  host show [--json]                        show host status\n"
		  "  host poweroff                             power the machine off\n"
		  "  vm new NAME [mem=SIZE] [cpus=N] [--json]  create a virtual machine\n"
		  "  vm list                                   list virtual machines\n"
		  "  vm                                        odd one-word command sharing a noun\n"
		  "Debug commands (for diagnosis only):\n"
		  "  debug fault KIND                          trigger a host exception [debug]\n"
		  "Type 'help NOUN' or 'help NOUN VERB' for details.\n");
	reset();
	CHECK_EQ(shell_help(table, N, &ctx, "  "), 0);
	CHECK(strncmp(out, "Commands:\n", 10) == 0);

	reset();
	CHECK_EQ(shell_help(table, N, &ctx, "host"), 0);
	CHECK_STR(out, "Commands for 'host':\n"
		       "  host show [--json]                        show host status\n"
		       "  host poweroff                             power the machine off\n");
	reset();
	CHECK_EQ(shell_help(table, N, &ctx, " host \t show "), 0);
	CHECK_STR(out, "Usage: host show [--json]\nshow host status\n\n"
		       "Shows CPUs, memory and virtualization support.\nWith --json, prints one JSON object.\n");
	reset();
	CHECK_EQ(shell_help(table, N, &ctx, "vm new"), 0);
	CHECK_STR(out, "Usage: vm new NAME [mem=SIZE] [cpus=N] [--json]\ncreate a virtual machine\n\nCreates NAME.\n");
	reset();
	CHECK_EQ(shell_help(table, N, &ctx, "vm list"), 0);
	CHECK_STR(out, "Usage: vm list\nlist virtual machines\n");
	reset();
	CHECK_EQ(shell_help(table, N, &ctx, "version"), 0);
	CHECK_STR(out, "Usage: version\nshow the version\n\nPrints the Keel version.\n");
	reset();
	CHECK_EQ(shell_help(table, N, &ctx, "debug fault"), 0);
	CHECK_STR(out, "Usage: debug fault KIND\ntrigger a host exception [debug]\n\nTest only.\n");

	reset();
	CHECK_EQ(shell_help(table, N, &ctx, "xyz"), -ENOENT);
	CHECK_STR(out, "error: no help for 'xyz'\n");
	reset();
	CHECK_EQ(shell_help(table, N, &ctx, "host frob "), -ENOENT);
	CHECK_STR(out, "error: no help for 'host frob'\n");
	reset();
	CHECK_EQ(shell_help(table, N, &ctx, "host show extra"), -ENOENT);
	CHECK_STR(out, "error: no help for 'host show extra'\n");
	reset();
	CHECK_EQ(shell_help(table, N, &ctx, "version x"), -ENOENT);
	CHECK_STR(out, "error: no help for 'version x'\n");
	reset();
	CHECK_EQ(shell_help(table, N, &ctx, "hos"), -ENOENT);

	/* An empty table still answers. */
	reset();
	CHECK_EQ(shell_help(table, 0, &ctx, NULL), 0);
	CHECK_STR(out, "Commands:\nType 'help NOUN' or 'help NOUN VERB' for details.\n");
}

int main(void)
{
	test_find();
	test_dispatch();
	test_printf();
	test_help();
	return check_summary();
}
