/* libFuzzer target for kernel/config.c: any byte string parses without reading past its length, and
 * the results stay within their documented bounds. */
#include "../../kernel/config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A checked repeat key: values must start with a digit. */
static bool starts_with_digit(const char *value, char *reason, size_t len)
{
	if (value[0] >= '0' && value[0] <= '9')
		return true;
	snprintf(reason, len, "not a digit");
	return false;
}

static const struct config_key keys[] = {
	{ .name = "name", .type = CONFIG_STRING },
	{ .name = "debug", .type = CONFIG_BOOL },
	{ .name = "cpus", .type = CONFIG_UINT, .min = 1, .max = 64 },
	{ .name = "port", .type = CONFIG_UINT },
	{ .name = "mem", .type = CONFIG_SIZE, .min = 1 << 20 },
	{ .name = "net.ip", .type = CONFIG_STRING },
	{ .name = "pin", .type = CONFIG_STRING, .repeat = true, .check = starts_with_digit },
};

struct seen {
	unsigned reports;
	unsigned last_line;
};

static void report(void *ctx, unsigned line, const char *message)
{
	struct seen *s = ctx;

	/* Lines are reported in order, each at most once; messages are short and well-formed. */
	if (line <= s->last_line || strlen(message) >= 192 || strchr(message, '\n') ||
	    strstr(message, ", ignored") == NULL)
		abort();
	s->last_line = line;
	s->reports++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	struct seen seen = { 0, 0 };
	size_t lines = 0;
	int bad;

	bad = config_parse((const char *)data, size, keys, sizeof(keys) / sizeof(keys[0]), &cfg, report, &seen);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	lines += size && data[size - 1] != '\n';
	if (bad < 0 || (unsigned)bad != seen.reports || (size_t)bad > lines || seen.last_line > lines)
		abort();
	if (cfg.count > CONFIG_MAX_ENTRIES)
		abort();
	for (unsigned e = 0; e < cfg.count; e++) {
		const struct config_entry *en = &cfg.entries[e];

		if (memchr(en->value, '\0', sizeof(en->value)) == NULL)
			abort();
		if (en->key->type == CONFIG_BOOL && en->number > 1)
			abort();
		if (en->key->type == CONFIG_UINT && en->key->max && (en->number < en->key->min || en->number > en->key->max))
			abort();
		if (en->key->check && !(en->value[0] >= '0' && en->value[0] <= '9'))
			abort(); /* a checked value passed its check */
		for (unsigned f = 0; f < e; f++) {
			if (cfg.entries[f].key == en->key && !en->key->repeat)
				abort(); /* one entry per key, but for repeat keys */
		}
	}
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *v = config_get(&cfg, keys[k].name);

		if (v && strlen(v) > CONFIG_VALUE_MAX)
			abort();
		(void)config_get_bool(&cfg, keys[k].name, false);
		(void)config_get_uint(&cfg, keys[k].name, 0);
		(void)config_get_size(&cfg, keys[k].name, 0);
	}
	return 0;
}
