/* Unit tests for shell/grammar.c: word splitting, quoting and escapes, classification of words,
 * options and flags, every parse error, limits, operands and the option check messages. */
#include "../../shell/grammar.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static struct shell_args args;
static char err[128];

static int parse(const char *line)
{
	err[0] = '\0';
	return shell_parse(line, strlen(line), &args, err, sizeof(err));
}

/* Joins argv with '|' so whole results compare as one string. */
static const char *joined(void)
{
	static char buf[4096];
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < args.argc; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? "|" : "", args.argv[i]);
	return buf;
}

static void test_words(void)
{
	CHECK_EQ(parse(""), 0);
	CHECK_EQ(args.argc, 0);
	CHECK_EQ(parse("  \t \r\n"), 0);
	CHECK_EQ(args.argc, 0);
	CHECK_EQ(parse("vm list"), 0);
	CHECK_STR(joined(), "vm|list");
	CHECK_EQ(parse("  vm \t new   web  mem=256M cpus=2  "), 0);
	CHECK_STR(joined(), "vm|new|web|mem=256M|cpus=2");
	CHECK_EQ(parse("host show\r\n"), 0);
	CHECK_STR(joined(), "host|show");
	CHECK_EQ(args.cmd_words, 0);
}

static void test_quotes(void)
{
	CHECK_EQ(parse("vm new \"my vm\" 'it''s' a\"b c\"d"), 0);
	CHECK_STR(joined(), "vm|new|my vm|its|ab cd");
	CHECK_EQ(parse("'a \"b\" \\n' \"x 'y' \\\" \\\\ \\n\""), 0);
	CHECK_STR(joined(), "a \"b\" \\n|x 'y' \" \\ \\n");
	CHECK_EQ(parse("\"\" ''"), 0);
	CHECK_EQ(args.argc, 2);
	CHECK_STR(args.argv[0], "");
	CHECK_STR(args.argv[1], "");
	CHECK_EQ(parse("a\\ b \\\"c \\\\ \\'"), 0);
	CHECK_STR(joined(), "a b|\"c|\\|'");
	CHECK_EQ(parse("\"tab\tinside\""), 0);
	CHECK_STR(args.argv[0], "tab\tinside");
	CHECK_EQ(parse("caf\xc3\xa9"), 0); /* UTF-8 passes */
	CHECK_STR(args.argv[0], "caf\xc3\xa9");
}

static void test_classes(void)
{
	CHECK_EQ(parse("vm new web mem=256M name=\"a b\" --json -x --=y --no-start a=b=c =v 1k=v \"q=v\" "
		       "k\"=\"v --\"x\" \\--y k-_1=x"), 0);
	CHECK_EQ(args.argc, 17);
	CHECK_EQ(args.kind[0], SHELL_ARG_WORD);
	CHECK_EQ(args.kind[2], SHELL_ARG_WORD);
	CHECK_EQ(args.kind[3], SHELL_ARG_KEYVAL);
	CHECK_EQ(args.kind[4], SHELL_ARG_KEYVAL); /* name="a b": key unquoted, value quoted */
	CHECK_EQ(args.kind[5], SHELL_ARG_FLAG);
	CHECK_EQ(args.kind[6], SHELL_ARG_WORD); /* -x */
	CHECK_EQ(args.kind[7], SHELL_ARG_FLAG); /* --=y: a flag with a bad name, rejected by the check */
	CHECK_EQ(args.kind[8], SHELL_ARG_FLAG);
	CHECK_EQ(args.kind[9], SHELL_ARG_KEYVAL);
	CHECK_EQ(args.kind[10], SHELL_ARG_WORD); /* =v: empty key */
	CHECK_EQ(args.kind[11], SHELL_ARG_WORD); /* key must not start with a digit */
	CHECK_EQ(args.kind[12], SHELL_ARG_WORD); /* "q=v" quoted: positional */
	CHECK_EQ(args.kind[13], SHELL_ARG_WORD); /* k"="v: the '=' is quoted */
	CHECK_EQ(args.kind[14], SHELL_ARG_FLAG); /* --"x": prefix unquoted */
	CHECK_EQ(args.kind[15], SHELL_ARG_WORD); /* \--y: escaped */
	CHECK_EQ(args.kind[16], SHELL_ARG_KEYVAL);

	CHECK_STR(shell_arg_value(&args, "mem"), "256M");
	CHECK_STR(shell_arg_value(&args, "name"), "a b");
	CHECK_STR(shell_arg_value(&args, "a"), "b=c");
	CHECK_STR(shell_arg_value(&args, "k-_1"), "x");
	CHECK(shell_arg_value(&args, "q") == NULL);
	CHECK(shell_arg_value(&args, "me") == NULL);
	CHECK(shell_arg_value(&args, "json") == NULL);
	CHECK(shell_arg_flag(&args, "json"));
	CHECK(shell_arg_flag(&args, "no-start"));
	CHECK(shell_arg_flag(&args, "x"));
	CHECK(!shell_arg_flag(&args, "y"));
	CHECK(!shell_arg_flag(&args, "mem"));
	CHECK(!shell_arg_flag(&args, "js"));

	CHECK_EQ(parse("vm new web mem= mem=2"), 0);
	CHECK_STR(shell_arg_value(&args, "mem"), ""); /* first one wins */
}

static void test_operands(void)
{
	CHECK_EQ(parse("vm start web --json extra mem=1"), 0);
	CHECK_EQ(shell_arg_operand_count(&args), 4);
	CHECK_STR(shell_arg_operand(&args, 0), "vm");
	args.cmd_words = 2;
	CHECK_EQ(shell_arg_operand_count(&args), 2);
	CHECK_STR(shell_arg_operand(&args, 0), "web");
	CHECK_STR(shell_arg_operand(&args, 1), "extra");
	CHECK(shell_arg_operand(&args, 2) == NULL);
	args.cmd_words = 5;
	CHECK_EQ(shell_arg_operand_count(&args), 0);
	CHECK(shell_arg_operand(&args, 0) == NULL);
}

static void test_errors(void)
{
	CHECK_EQ(parse("vm new \"web"), -EINVAL);
	CHECK_STR(err, "unterminated quote");
	CHECK_EQ(args.argc, 0);
	CHECK_EQ(parse("echo 'abc"), -EINVAL);
	CHECK_STR(err, "unterminated quote");
	CHECK_EQ(parse("\""), -EINVAL);
	CHECK_STR(err, "unterminated quote");
	CHECK_EQ(parse("abc\\"), -EINVAL);
	CHECK_STR(err, "backslash at end of line");
	CHECK_EQ(parse("\"abc\\\""), -EINVAL);
	CHECK_STR(err, "unterminated quote");
	CHECK_EQ(parse("a\001b"), -EINVAL);
	CHECK_STR(err, "invalid character in line");
	CHECK_EQ(parse("'a\033b'"), -EINVAL);
	CHECK_STR(err, "invalid character in line");
	CHECK_EQ(parse("a\\\001"), -EINVAL);
	CHECK_STR(err, "invalid character in line");
	CHECK_EQ(parse("a\x7f"), -EINVAL);
	CHECK_EQ(shell_parse("a\0b", 3, &args, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "invalid character in line");
	/* err may be absent or tiny. */
	CHECK_EQ(shell_parse("'", 1, &args, NULL, 0), -EINVAL);
	CHECK_EQ(shell_parse("'", 1, &args, err, 4), -EINVAL);
	CHECK_STR(err, "unt");
}

static void test_limits(void)
{
	static char line[SHELL_LINE_MAX + 2];
	size_t used = 0;

	/* 32 words fine, 33 refused. */
	for (unsigned i = 0; i < 32; i++)
		used += (size_t)sprintf(line + used, "w%u ", i);
	CHECK_EQ(parse(line), 0);
	CHECK_EQ(args.argc, 32);
	CHECK_STR(args.argv[31], "w31");
	strcat(line, "x");
	CHECK_EQ(parse(line), -EINVAL);
	CHECK_STR(err, "too many words (max 32)");
	line[strlen(line) - 1] = ' '; /* trailing blanks after word 32 are fine */
	CHECK_EQ(parse(line), 0);
	CHECK_EQ(args.argc, 32);

	/* 1024 bytes fine, 1025 refused. */
	memset(line, 'a', SHELL_LINE_MAX);
	line[SHELL_LINE_MAX] = '\0';
	CHECK_EQ(parse(line), 0);
	CHECK_EQ(strlen(args.argv[0]), SHELL_LINE_MAX);
	line[SHELL_LINE_MAX] = 'a';
	line[SHELL_LINE_MAX + 1] = '\0';
	CHECK_EQ(parse(line), -EINVAL);
	CHECK_STR(err, "line too long (over 1024 characters), ignored");

	/* Adjacent empty quotes make one empty word. */
	for (unsigned i = 0; i < SHELL_LINE_MAX; i += 2)
		memcpy(line + i, "\"\"", 2);
	line[SHELL_LINE_MAX] = '\0';
	CHECK_EQ(parse(line), 0);
	CHECK_EQ(args.argc, 1);
	CHECK_STR(args.argv[0], "");
	/* A single word filling storage to the last byte. */
	memset(line, 'z', SHELL_LINE_MAX);
	line[0] = '"';
	line[SHELL_LINE_MAX - 1] = '"';
	CHECK_EQ(parse(line), 0);
	CHECK_EQ(strlen(args.argv[0]), SHELL_LINE_MAX - 2);
}

static void test_check(void)
{
	static const char *const keys[] = { "mem", "cpus", NULL };
	static const char *const flags[] = { "json", "force", NULL };

	CHECK_EQ(parse("vm new web mem=1G cpus=2 --json --force"), 0);
	CHECK_EQ(shell_args_check(&args, "vm new", keys, flags, err, sizeof(err)), 0);
	CHECK_EQ(parse("vm new web"), 0);
	CHECK_EQ(shell_args_check(&args, "vm new", NULL, NULL, err, sizeof(err)), 0);

	CHECK_EQ(parse("host show foo=1"), 0);
	CHECK_EQ(shell_args_check(&args, "host show", keys, flags, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "unknown option 'foo' for 'host show'");
	CHECK_EQ(parse("host show --foo"), 0);
	CHECK_EQ(shell_args_check(&args, "host show", keys, flags, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "unknown option '--foo' for 'host show'");
	CHECK_EQ(parse("host show --json"), 0);
	CHECK_EQ(shell_args_check(&args, "host show", NULL, NULL, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "unknown option '--json' for 'host show'");
	CHECK_EQ(parse("host show --json=1"), 0);
	CHECK_EQ(shell_args_check(&args, "host show", keys, flags, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "unknown option '--json=1' for 'host show'");
	CHECK_EQ(parse("vm new a mem=1 cpus=1 mem=2"), 0);
	CHECK_EQ(shell_args_check(&args, "vm new", keys, flags, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "option 'mem' given twice for 'vm new'");
	CHECK_EQ(parse("vm new a me=1"), 0);
	CHECK_EQ(shell_args_check(&args, "vm new", keys, flags, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "unknown option 'me' for 'vm new'");
	CHECK_EQ(shell_args_check(&args, "vm new", keys, flags, NULL, 0), -EINVAL);
}

static void test_no_overread(void)
{
	static const char *const samples[] = { "a", "'", "\"", "\\", "a\\", "\"\\", "x=", "--", "a b" };

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		size_t n = strlen(samples[i]);
		char *block = malloc(n);

		memcpy(block, samples[i], n);
		shell_parse(block, n, &args, err, sizeof(err));
		free(block);
		for (unsigned a = 0; a < args.argc; a++)
			CHECK(args.argv[a] >= args.storage && args.argv[a] < args.storage + sizeof(args.storage));
	}
}

int main(void)
{
	test_words();
	test_quotes();
	test_classes();
	test_operands();
	test_errors();
	test_limits();
	test_check();
	test_no_overread();
	return check_summary();
}
