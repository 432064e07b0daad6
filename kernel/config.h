/* keel.cfg parser: `key = value` lines checked against a caller's table of known keys, with line-exact
 * messages for every rejected line. Pure logic (no kernel dependency, no allocation): unit-tested and
 * fuzzed on the host. */
#ifndef KEEL_CONFIG_H
#define KEEL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_ENTRIES 64
#define CONFIG_VALUE_MAX   255  /* bytes of a value, without the NUL */
#define CONFIG_LINE_MAX    1024 /* bytes of a line, without its CR/LF */

enum config_type {
	CONFIG_STRING, /* any printable text; empty allowed */
	CONFIG_BOOL,   /* yes/no, true/false, on/off, 1/0 (any case) */
	CONFIG_UINT,   /* decimal or 0x hexadecimal, within [min, max] */
	CONFIG_SIZE,   /* a number of bytes with an optional K/M/G/T suffix (any case), within [min, max] */
};

struct config_key {
	const char *name;
	enum config_type type;
	uint64_t min, max; /* for UINT and SIZE; max 0 means no upper bound */
	bool repeat;       /* each line is kept as its own entry (config_get_nth); else a later line replaces */
	/* Optional, for STRING: whether the value is acceptable; when not, writes the reason (no prefix, no
	 * newline) into reason and the line is rejected as "bad value for 'KEY': REASON, ignored". */
	bool (*check)(const char *value, char *reason, size_t reason_len);
};

struct config_entry {
	const struct config_key *key; /* points into the caller's table, which must outlive the config */
	uint64_t number;              /* parsed value for BOOL (0/1), UINT and SIZE */
	char value[CONFIG_VALUE_MAX + 1];
};

struct config {
	unsigned count;
	struct config_entry entries[CONFIG_MAX_ENTRIES];
};

/* Called once per rejected line; line counts from 1, message has no trailing newline or prefix. */
typedef void (*config_report_fn)(void *ctx, unsigned line, const char *message);

/* Parses len bytes of text (NUL-termination not needed, never read past len) into *out, which is reset
 * first. Accepted lines are stored (a later line for a key replaces the earlier value, unless the key is a
 * repeat key); each rejected line
 * is passed to report (which may be NULL) and changes nothing. Returns the number of rejected lines. */
int config_parse(const char *text, size_t len, const struct config_key *keys, size_t nkeys,
		 struct config *out, config_report_fn report, void *ctx);

/* The value text stored for key, or NULL when the key was not set. */
const char *config_get(const struct config *cfg, const char *key);

/* The n-th value (from 0, in file order) of a repeat key, or NULL when there are not that many. */
const char *config_get_nth(const struct config *cfg, const char *key, unsigned n);

/* The value of a BOOL key, or def when it was not set or the key is not a BOOL. */
bool config_get_bool(const struct config *cfg, const char *key, bool def);

/* The value of a UINT key, or def when it was not set or the key is not a UINT. */
uint64_t config_get_uint(const struct config *cfg, const char *key, uint64_t def);

/* The value in bytes of a SIZE key, or def when it was not set or the key is not a SIZE. */
uint64_t config_get_size(const struct config *cfg, const char *key, uint64_t def);

/* The value syntaxes of keel.cfg, for other parsers of user input (the shell): decimal or 0x hex digits
 * (all n bytes of s, no sign), and the same with an optional K/M/G/T suffix (powers of 1024). False on
 * empty input, stray bytes or overflow. */
bool config_parse_number(const char *s, size_t n, uint64_t *out);
bool config_parse_size(const char *s, size_t n, uint64_t *out);

#endif
