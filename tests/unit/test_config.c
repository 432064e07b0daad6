/* Unit tests for kernel/config.c: line syntax, comments, quoting, every type and range rule, every
 * report message with its line number, replacement of repeated keys, limits and the getters. */
#include "../../kernel/config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* A checked key: values must start with "ok". */
static bool starts_ok(const char *value, char *reason, size_t len)
{
	if (strncmp(value, "ok", 2) == 0)
		return true;
	snprintf(reason, len, "'%s' does not start with ok", value);
	return false;
}

static const struct config_key keys[] = {
	{ .name = "name", .type = CONFIG_STRING },
	{ .name = "debug", .type = CONFIG_BOOL },
	{ .name = "cpus", .type = CONFIG_UINT, .min = 1, .max = 64 },
	{ .name = "port", .type = CONFIG_UINT },
	{ .name = "mem", .type = CONFIG_SIZE, .min = 16 << 20, .max = UINT64_C(1) << 40 },
	{ .name = "buf", .type = CONFIG_SIZE },
	{ .name = "net.ip", .type = CONFIG_STRING },
	{ .name = "pin", .type = CONFIG_STRING, .repeat = true, .check = starts_ok },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Collects reports as "LINE: MESSAGE\n" lines. */
struct reports {
	char text[8192];
	unsigned count;
};

static void collect(void *ctx, unsigned line, const char *message)
{
	struct reports *r = ctx;
	size_t used = strlen(r->text);

	snprintf(r->text + used, sizeof(r->text) - used, "%u: %s\n", line, message);
	r->count++;
}

static struct config cfg;
static struct reports rep;

/* Parses a C string with the shared key table; returns the bad-line count. */
static int parse(const char *text)
{
	memset(&rep, 0, sizeof(rep));
	return config_parse(text, strlen(text), keys, NKEYS, &cfg, collect, &rep);
}

static void test_basic(void)
{
	CHECK_EQ(parse(""), 0);
	CHECK_EQ(cfg.count, 0);
	CHECK_EQ(parse("name = web\n"), 0);
	CHECK_STR(config_get(&cfg, "name"), "web");
	CHECK_EQ(parse("  name=web  \n\n# comment\n   # indented comment\n\t\n"), 0);
	CHECK_STR(config_get(&cfg, "name"), "web");
	CHECK_EQ(parse("name = web # trailing comment\r\ncpus = 4\r\n"), 0);
	CHECK_STR(config_get(&cfg, "name"), "web");
	CHECK_EQ(config_get_uint(&cfg, "cpus", 0), 4);
	/* '#' not after whitespace belongs to the value; after whitespace it starts a comment. */
	CHECK_EQ(parse("name = a#b\nnet.ip=#x\n"), 0);
	CHECK_STR(config_get(&cfg, "name"), "a#b");
	CHECK_STR(config_get(&cfg, "net.ip"), "#x");
	CHECK_EQ(parse("name = #nothing\n"), 0);
	CHECK_STR(config_get(&cfg, "name"), "");
	CHECK_EQ(parse("name =\n"), 0);
	CHECK_STR(config_get(&cfg, "name"), "");
	/* Inner spaces of an unquoted value stay. */
	CHECK_EQ(parse("name = my  vm \t\n"), 0);
	CHECK_STR(config_get(&cfg, "name"), "my  vm");
	/* Last line without newline. */
	CHECK_EQ(parse("cpus = 2\nname = last"), 0);
	CHECK_STR(config_get(&cfg, "name"), "last");
	CHECK(config_get(&cfg, "debug") == NULL);
	CHECK(config_get(&cfg, "nosuch") == NULL);
}

static void test_quoted(void)
{
	CHECK_EQ(parse("name = \"a # b  \"\n"), 0);
	CHECK_STR(config_get(&cfg, "name"), "a # b  ");
	CHECK_EQ(parse("name = \"say \\\"hi\\\" \\\\ \\n\" # c\n"), 0);
	CHECK_STR(config_get(&cfg, "name"), "say \"hi\" \\ \\n");
	CHECK_EQ(parse("name = \"\"\n"), 0);
	CHECK_STR(config_get(&cfg, "name"), "");
	CHECK_EQ(parse("name = \"x\"#c\n"), 0);
	CHECK_STR(config_get(&cfg, "name"), "x");
	CHECK_EQ(parse("cpus = \"8\"\n"), 0);
	CHECK_EQ(config_get_uint(&cfg, "cpus", 0), 8);

	CHECK_EQ(parse("name = \"open\n"), 1);
	CHECK_STR(rep.text, "1: malformed line, expected 'key = value', ignored\n");
	CHECK_EQ(parse("name = \"a\" b\n"), 1);
	CHECK_EQ(parse("name = \"a\\\"\n"), 1);
	CHECK(config_get(&cfg, "name") == NULL);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"name", "name web", "= web", "na me = x", "name: x", "nam!e = x", "\"name\" = x",
		"name = a\001b", "name = caf\xc3\xa9", "name = x\x7f",
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s\n", bad[i]);
		CHECK_EQ(parse(buf), 1);
		CHECK_STR(rep.text, "1: malformed line, expected 'key = value', ignored\n");
		CHECK_EQ(cfg.count, 0);
	}
	/* A NUL byte inside a line. */
	memset(&rep, 0, sizeof(rep));
	CHECK_EQ(config_parse("cpus = 1\nname = a\0b\ncpus = 3\n", 28, keys, NKEYS, &cfg, collect, &rep), 1);
	CHECK_STR(rep.text, "2: malformed line, expected 'key = value', ignored\n");
	CHECK_EQ(config_get_uint(&cfg, "cpus", 0), 3);
	CHECK(config_get(&cfg, "name") == NULL);
	/* A NULL report function is allowed. */
	CHECK_EQ(config_parse("x\ny\n", 4, keys, NKEYS, &cfg, NULL, NULL), 2);
}

static void test_unknown_and_lines(void)
{
	CHECK_EQ(parse("# header\nfoo = 1\n\nname = ok\nbar.baz=2\n   \ncpus\n"), 3);
	CHECK_STR(rep.text, "2: unknown key 'foo', ignored\n"
			    "5: unknown key 'bar.baz', ignored\n"
			    "7: malformed line, expected 'key = value', ignored\n");
	CHECK_STR(config_get(&cfg, "name"), "ok");
	/* Keys are case-sensitive. */
	CHECK_EQ(parse("NAME = x\n"), 1);
	CHECK_STR(rep.text, "1: unknown key 'NAME', ignored\n");
	/* Very long unknown key: the quote is capped. */
	{
		char line[300];

		memset(line, 'k', 200);
		strcpy(line + 200, " = 1\n");
		CHECK_EQ(parse(line), 1);
		CHECK(strlen(rep.text) < 120);
		CHECK(strncmp(rep.text, "1: unknown key 'kkkk", 20) == 0);
	}
}

static void test_bool(void)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True", "oN" };
	static const char *const no[] = { "no", "false", "off", "0", "NO", "False" };
	char buf[64];

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(buf, sizeof(buf), "debug = %s\n", yes[i]);
		CHECK_EQ(parse(buf), 0);
		CHECK(config_get_bool(&cfg, "debug", false) == true);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(buf, sizeof(buf), "debug = %s\n", no[i]);
		CHECK_EQ(parse(buf), 0);
		CHECK(config_get_bool(&cfg, "debug", true) == false);
	}
	CHECK_EQ(parse("debug = maybe\n"), 1);
	CHECK_STR(rep.text, "1: bad value for 'debug': expected yes or no, ignored\n");
	CHECK(config_get_bool(&cfg, "debug", true) == true);
	CHECK_EQ(parse("debug = \n"), 1);
	CHECK_EQ(parse("debug = yess\n"), 1);
	CHECK_EQ(parse("debug = 2\n"), 1);
	/* Wrong-type getters give the default. */
	CHECK_EQ(parse("debug = yes\nname = 1\n"), 0);
	CHECK_EQ(config_get_uint(&cfg, "debug", 7), 7);
	CHECK(config_get_bool(&cfg, "name", false) == false);
}

static void test_uint(void)
{
	CHECK_EQ(parse("cpus = 64\nport = 0x1F90\n"), 0);
	CHECK_EQ(config_get_uint(&cfg, "cpus", 0), 64);
	CHECK_EQ(config_get_uint(&cfg, "port", 0), 8080);
	CHECK_EQ(parse("port = 18446744073709551615\n"), 0);
	CHECK(config_get_uint(&cfg, "port", 0) == UINT64_MAX);
	CHECK_EQ(parse("port = 0xffffffffffffffff\n"), 0);
	CHECK(config_get_uint(&cfg, "port", 0) == UINT64_MAX);
	CHECK_EQ(parse("port = 007\n"), 0);
	CHECK_EQ(config_get_uint(&cfg, "port", 0), 7);

	CHECK_EQ(parse("port = 18446744073709551616\nport = 0x1ffffffffffffffff\nport = -1\nport = 0x\n"
		       "port = 12a\nport = 1 2\nport =\nport = +3\n"), 8);
	CHECK_EQ(rep.count, 8);
	CHECK(strncmp(rep.text, "1: bad value for 'port': expected a number, ignored\n"
				"2: bad value for 'port': expected a number, ignored\n", 104) == 0);
	CHECK_EQ(config_get_uint(&cfg, "port", 99), 99);

	CHECK_EQ(parse("cpus = 0\n"), 1);
	CHECK_STR(rep.text, "1: bad value for 'cpus': expected a number from 1 to 64, ignored\n");
	CHECK_EQ(parse("cpus = 65\n"), 1);
	CHECK_STR(rep.text, "1: bad value for 'cpus': expected a number from 1 to 64, ignored\n");
	CHECK_EQ(config_get_uint(&cfg, "cpus", 1), 1);
}

static void test_size(void)
{
	CHECK_EQ(parse("mem = 512M\nbuf = 4k\n"), 0);
	CHECK(config_get_size(&cfg, "mem", 0) == UINT64_C(512) << 20);
	CHECK_EQ(config_get_size(&cfg, "buf", 0), 4096);
	CHECK_EQ(parse("mem = 2G\nbuf = 123\n"), 0);
	CHECK(config_get_size(&cfg, "mem", 0) == UINT64_C(2) << 30);
	CHECK_EQ(config_get_size(&cfg, "buf", 0), 123);
	CHECK_EQ(parse("mem = 1T\nbuf = 0x10K\n"), 0);
	CHECK(config_get_size(&cfg, "mem", 0) == UINT64_C(1) << 40);
	CHECK_EQ(config_get_size(&cfg, "buf", 0), 16 << 10);
	CHECK_EQ(parse("buf = 16777215T\n"), 0);
	CHECK(config_get_size(&cfg, "buf", 0) == UINT64_C(16777215) << 40);
	/* get_uint on a SIZE key gives the default. */
	CHECK_EQ(config_get_uint(&cfg, "buf", 5), 5);

	CHECK_EQ(parse("mem = lots\n"), 1);
	CHECK_STR(rep.text, "1: bad value for 'mem': expected a size like 512M, ignored\n");
	CHECK_EQ(parse("buf = 16777216T\nbuf = 1X\nbuf = M\nbuf = 1MB\nbuf = 1 M\nbuf = -1K\n"), 6);
	CHECK_EQ(parse("mem = 1M\n"), 1);
	CHECK_STR(rep.text, "1: bad value for 'mem': expected a size from 16M to 1T, ignored\n");
	CHECK_EQ(parse("mem = 1025G\n"), 1);
	CHECK_STR(rep.text, "1: bad value for 'mem': expected a size from 16M to 1T, ignored\n");
	CHECK_EQ(config_get_size(&cfg, "mem", 42), 42);
}

static void test_replace_and_keep(void)
{
	/* Later good lines replace; a later bad line keeps the earlier value. */
	CHECK_EQ(parse("cpus = 2\ncpus = 4\nname = a\nname = b\ncpus = 99\n"), 1);
	CHECK_STR(rep.text, "5: bad value for 'cpus': expected a number from 1 to 64, ignored\n");
	CHECK_EQ(config_get_uint(&cfg, "cpus", 0), 4);
	CHECK_STR(config_get(&cfg, "name"), "b");
	CHECK_EQ(cfg.count, 2);
	/* A new parse starts empty. */
	CHECK_EQ(parse("debug = on\n"), 0);
	CHECK_EQ(cfg.count, 1);
	CHECK(config_get(&cfg, "name") == NULL);
}

static void test_repeat_and_check(void)
{
	/* Every good line of a repeat key is kept in order; a rejected one names its line and reason. */
	CHECK_EQ(parse("pin = ok1\nname = a\npin = bad\npin = ok2\n"), 1);
	CHECK_STR(rep.text, "3: bad value for 'pin': 'bad' does not start with ok, ignored\n");
	CHECK_STR(config_get_nth(&cfg, "pin", 0), "ok1");
	CHECK_STR(config_get_nth(&cfg, "pin", 1), "ok2");
	CHECK(config_get_nth(&cfg, "pin", 2) == NULL);
	CHECK_STR(config_get(&cfg, "pin"), "ok1");
	CHECK_STR(config_get_nth(&cfg, "name", 0), "a");
	CHECK(config_get_nth(&cfg, "name", 1) == NULL);
	CHECK(config_get_nth(&cfg, "cpus", 0) == NULL);
}

static void test_lengths(void)
{
	static char text[4096];
	char *p;

	/* Exactly 255 bytes of value: accepted; 256: too long (quoted or not). */
	p = text + sprintf(text, "name = ");
	memset(p, 'v', 255);
	strcpy(p + 255, "\n");
	CHECK_EQ(parse(text), 0);
	CHECK_EQ(strlen(config_get(&cfg, "name")), 255);
	p = text + sprintf(text, "name = x\nname = ");
	memset(p, 'v', 256);
	strcpy(p + 256, "\n");
	CHECK_EQ(parse(text), 1);
	CHECK_STR(rep.text, "2: value for 'name' too long, ignored\n");
	CHECK_STR(config_get(&cfg, "name"), "x");
	p = text + sprintf(text, "name = \"");
	memset(p, 'q', 300);
	strcpy(p + 300, "\"\n");
	CHECK_EQ(parse(text), 1);
	CHECK_STR(rep.text, "1: value for 'name' too long, ignored\n");

	/* 1024 bytes of line: fine (a comment); 1025: too long, even as a comment. */
	memset(text, 0, sizeof(text));
	text[0] = '#';
	memset(text + 1, 'c', 1023);
	strcat(text, "\r\nname = ok\n");
	CHECK_EQ(parse(text), 0);
	CHECK_STR(config_get(&cfg, "name"), "ok");
	memset(text, 0, sizeof(text));
	text[0] = '#';
	memset(text + 1, 'c', 1024);
	strcat(text, "\nname = ok\n");
	CHECK_EQ(parse(text), 1);
	CHECK_STR(rep.text, "1: line too long, ignored\n");
	CHECK_STR(config_get(&cfg, "name"), "ok");
}

static void test_too_many_entries(void)
{
	static struct config_key many[70];
	static char names[70][8];
	static char text[2048];
	size_t used = 0;

	for (unsigned i = 0; i < 70; i++) {
		snprintf(names[i], sizeof(names[i]), "k%u", i);
		many[i] = (struct config_key){ .name = names[i], .type = CONFIG_UINT };
		used += (size_t)snprintf(text + used, sizeof(text) - used, "k%u = %u\n", i, i);
	}
	used += (size_t)snprintf(text + used, sizeof(text) - used, "k3 = 333\n");
	memset(&rep, 0, sizeof(rep));
	CHECK_EQ(config_parse(text, used, many, 70, &cfg, collect, &rep), 6);
	CHECK_EQ(cfg.count, CONFIG_MAX_ENTRIES);
	CHECK(strncmp(rep.text, "65: too many entries, ignored\n66: too many", 42) == 0);
	CHECK_EQ(config_get_uint(&cfg, "k63", 0), 63);
	CHECK_EQ(config_get_uint(&cfg, "k64", 1000), 1000);
	CHECK_EQ(config_get_uint(&cfg, "k3", 0), 333); /* replacing still works when full */
}

static void test_never_reads_past_len(void)
{
	/* The text lives at the very end of a heap block; ASan catches any read past it. */
	static const char *const samples[] = { "name = x", "name = \"x", "cpus = 1", "#", "name", "n",
					       "debug = on\r", "mem = 16M" };

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		size_t n = strlen(samples[i]);
		char *block = malloc(n ? n : 1);

		memcpy(block, samples[i], n);
		config_parse(block, n, keys, NKEYS, &cfg, NULL, NULL);
		free(block);
		CHECK(1);
	}
	CHECK_EQ(config_parse("cpus = 1", 6, keys, NKEYS, &cfg, NULL, NULL), 1); /* "cpus =" cut short */
	CHECK_EQ(config_parse(NULL, 0, keys, NKEYS, &cfg, NULL, NULL), 0);
}

int main(void)
{
	test_basic();
	test_quoted();
	test_malformed();
	test_unknown_and_lines();
	test_bool();
	test_uint();
	test_size();
	test_replace_and_keep();
	test_repeat_and_check();
	test_lengths();
	test_too_many_entries();
	test_never_reads_past_len();
	return check_summary();
}
