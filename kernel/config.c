/* keel.cfg parser: splits text into lines, checks each `key = value` against the caller's key table and
 * type rules, stores the accepted ones and reports the rest with a message naming the problem. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define MSG_MAX     192
#define MSG_KEY_MAX 64 /* an unknown key is quoted in the message up to this many bytes */

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Printable ASCII plus tab; anything else (NUL, controls, bytes >= 0x80) makes a line malformed. */
static bool is_allowed_byte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c < 0x7f);
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool equal_nocase(const char *a, const char *b)
{
	while (*a && lower(*a) == lower(*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

/* Decimal or 0x-hex digits of s, all of them; false on empty input, stray bytes or overflow. */
bool config_parse_number(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0, base = 10;
	size_t i = 0;

	if (n > 2 && s[0] == '0' && lower(s[1]) == 'x') {
		base = 16;
		i = 2;
	}
	if (i == n)
		return false;
	for (; i < n; i++) {
		char c = lower(s[i]);
		uint64_t d;

		if (c >= '0' && c <= '9')
			d = (uint64_t)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (uint64_t)(c - 'a' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/* A number with an optional K/M/G/T suffix (powers of 1024). */
bool config_parse_size(const char *s, size_t n, uint64_t *out)
{
	static const char suffixes[] = "kmgt";
	const char *suffix;
	unsigned shift = 0;
	uint64_t v;

	if (n > 1 && (suffix = strchr(suffixes, lower(s[n - 1]))) != NULL && *suffix != '\0') {
		shift = 10 * (unsigned)(suffix - suffixes + 1);
		n--;
	}
	if (!config_parse_number(s, n, &v) || v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

/* Writes a byte count the way a user would type it: the largest exact suffix, else plain bytes. */
static void format_size(char *buf, size_t len, uint64_t v)
{
	static const char suffixes[] = "TGMK";
	unsigned shift = 40;

	for (const char *s = suffixes; *s; s++, shift -= 10) {
		if (v != 0 && (v & ((UINT64_C(1) << shift) - 1)) == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(v >> shift), *s);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* Checks value against key's type and range, setting *number; on failure writes the message. */
static bool check_value(const struct config_key *key, const char *value, size_t vlen, uint64_t *number,
			char *msg)
{
	static const char *const truthy[] = { "yes", "true", "on", "1" };
	static const char *const falsy[] = { "no", "false", "off", "0" };
	uint64_t max = key->max ? key->max : UINT64_MAX;
	char lo[24], hi[24];

	switch (key->type) {
	case CONFIG_STRING: {
		char reason[MSG_MAX - 64];
		*number = 0;
		if (!key->check || key->check(value, reason, sizeof reason))
			return true;
		snprintf(msg, MSG_MAX, "bad value for '%s': %s, ignored", key->name, reason);
		return false;
	}
	case CONFIG_BOOL:
		for (size_t i = 0; i < sizeof(truthy) / sizeof(truthy[0]); i++) {
			if (equal_nocase(value, truthy[i]) || equal_nocase(value, falsy[i])) {
				*number = equal_nocase(value, truthy[i]);
				return true;
			}
		}
		snprintf(msg, MSG_MAX, "bad value for '%s': expected yes or no, ignored", key->name);
		return false;
	case CONFIG_UINT:
		if (!config_parse_number(value, vlen, number)) {
			snprintf(msg, MSG_MAX, "bad value for '%s': expected a number, ignored", key->name);
			return false;
		}
		if (*number < key->min || *number > max) {
			snprintf(msg, MSG_MAX, "bad value for '%s': expected a number from %llu to %llu, ignored",
				 key->name, (unsigned long long)key->min, (unsigned long long)max);
			return false;
		}
		return true;
	case CONFIG_SIZE:
		if (!config_parse_size(value, vlen, number)) {
			snprintf(msg, MSG_MAX, "bad value for '%s': expected a size like 512M, ignored", key->name);
			return false;
		}
		if (*number < key->min || *number > max) {
			format_size(lo, sizeof(lo), key->min);
			format_size(hi, sizeof(hi), max);
			snprintf(msg, MSG_MAX, "bad value for '%s': expected a size from %s to %s, ignored",
				 key->name, lo, hi);
			return false;
		}
		return true;
	}
	snprintf(msg, MSG_MAX, "bad value for '%s': key has an unknown type, ignored", key->name);
	return false;
}

/* Extracts the value starting at p[i] into value (NUL-terminated, at most CONFIG_VALUE_MAX bytes kept;
 * *vlen is the full length, so a longer value is detectable). False when the line is malformed. */
static bool extract_value(const char *p, size_t i, size_t n, char *value, size_t *vlen)
{
	size_t out = 0;

	if (i < n && p[i] == '"') {
		/* Quoted: may hold spaces and '#'; \" and \\ are the only escapes. */
		for (i++; i < n && p[i] != '"'; i++) {
			if (p[i] == '\\' && i + 1 < n && (p[i + 1] == '"' || p[i + 1] == '\\'))
				i++;
			if (out < CONFIG_VALUE_MAX)
				value[out] = p[i];
			out++;
		}
		if (i == n)
			return false; /* no closing quote */
		for (i++; i < n && is_space(p[i]); i++)
			;
		if (i < n && p[i] != '#')
			return false; /* text after the closing quote */
	} else {
		size_t end = i;

		/* Unquoted: ends at a '#' that follows whitespace, then trailing whitespace goes. */
		for (size_t j = i; j < n && !(p[j] == '#' && j > 0 && is_space(p[j - 1])); j++)
			end = j + 1;
		while (end > i && is_space(p[end - 1]))
			end--;
		for (; i < end; i++, out++) {
			if (out < CONFIG_VALUE_MAX)
				value[out] = p[i];
		}
	}
	value[out < CONFIG_VALUE_MAX ? out : CONFIG_VALUE_MAX] = '\0';
	*vlen = out;
	return true;
}

/* Handles one line (without its terminator). True when accepted or blank; false with msg filled. */
static bool parse_line(const char *p, size_t n, const struct config_key *keys, size_t nkeys,
		       struct config *out, char *msg)
{
	char value[CONFIG_VALUE_MAX + 1];
	const struct config_key *key = NULL;
	struct config_entry *entry = NULL;
	size_t i = 0, key_start, key_len, vlen;
	uint64_t number;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n > CONFIG_LINE_MAX) {
		snprintf(msg, MSG_MAX, "line too long, ignored");
		return false;
	}
	for (size_t j = 0; j < n; j++) {
		if (!is_allowed_byte((unsigned char)p[j]))
			goto malformed;
	}
	while (i < n && is_space(p[i]))
		i++;
	if (i == n || p[i] == '#')
		return true;
	for (key_start = i; i < n && is_key_char(p[i]); i++)
		;
	key_len = i - key_start;
	while (i < n && is_space(p[i]))
		i++;
	if (key_len == 0 || i == n || p[i] != '=')
		goto malformed;
	for (i++; i < n && is_space(p[i]); i++)
		;
	if (!extract_value(p, i, n, value, &vlen))
		goto malformed;

	for (size_t k = 0; k < nkeys && !key; k++) {
		if (strlen(keys[k].name) == key_len && memcmp(keys[k].name, p + key_start, key_len) == 0)
			key = &keys[k];
	}
	if (!key) {
		snprintf(msg, MSG_MAX, "unknown key '%.*s', ignored",
			 (int)(key_len < MSG_KEY_MAX ? key_len : MSG_KEY_MAX), p + key_start);
		return false;
	}
	if (vlen > CONFIG_VALUE_MAX) {
		snprintf(msg, MSG_MAX, "value for '%s' too long, ignored", key->name);
		return false;
	}
	if (!check_value(key, value, vlen, &number, msg))
		return false;

	for (unsigned e = 0; e < out->count && !entry && !key->repeat; e++) {
		if (out->entries[e].key == key)
			entry = &out->entries[e];
	}
	if (!entry) {
		if (out->count == CONFIG_MAX_ENTRIES) {
			snprintf(msg, MSG_MAX, "too many entries, ignored");
			return false;
		}
		entry = &out->entries[out->count++];
		entry->key = key;
	}
	entry->number = number;
	memcpy(entry->value, value, vlen + 1);
	return true;

malformed:
	snprintf(msg, MSG_MAX, "malformed line, expected 'key = value', ignored");
	return false;
}

int config_parse(const char *text, size_t len, const struct config_key *keys, size_t nkeys,
		 struct config *out, config_report_fn report, void *ctx)
{
	char msg[MSG_MAX];
	unsigned line = 0;
	int bad = 0;
	size_t pos = 0;

	out->count = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		line++;
		if (!parse_line(text + pos, n, keys, nkeys, out, msg)) {
			if (bad < INT_MAX)
				bad++;
			if (report)
				report(ctx, line, msg);
		}
		pos += n + (nl ? 1 : 0);
	}
	return bad;
}

static const struct config_entry *find_entry(const struct config *cfg, const char *key)
{
	for (unsigned e = 0; e < cfg->count; e++) {
		if (strcmp(cfg->entries[e].key->name, key) == 0)
			return &cfg->entries[e];
	}
	return NULL;
}

const char *config_get(const struct config *cfg, const char *key)
{
	const struct config_entry *e = find_entry(cfg, key);

	return e ? e->value : NULL;
}

const char *config_get_nth(const struct config *cfg, const char *key, unsigned n)
{
	for (unsigned e = 0; e < cfg->count; e++) {
		if (strcmp(cfg->entries[e].key->name, key) == 0 && n-- == 0)
			return cfg->entries[e].value;
	}
	return NULL;
}

bool config_get_bool(const struct config *cfg, const char *key, bool def)
{
	const struct config_entry *e = find_entry(cfg, key);

	return (e && e->key->type == CONFIG_BOOL) ? e->number != 0 : def;
}

uint64_t config_get_uint(const struct config *cfg, const char *key, uint64_t def)
{
	const struct config_entry *e = find_entry(cfg, key);

	return (e && e->key->type == CONFIG_UINT) ? e->number : def;
}

uint64_t config_get_size(const struct config *cfg, const char *key, uint64_t def)
{
	const struct config_entry *e = find_entry(cfg, key);

	return (e && e->key->type == CONFIG_SIZE) ? e->number : def;
}
