/* Streaming JSON writer into a caller's buffer, used for every command's --json output. Tracks nesting
 * and commas; the first error (overflow or misuse) sticks, so a caller may check only at the end. */
#ifndef KEEL_SHELL_JSON_H
#define KEEL_SHELL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 32

struct json_writer {
	char *buf;
	size_t cap;          /* bytes of buf, including room for the NUL */
	size_t len;          /* bytes written, without the NUL */
	int error;           /* 0, or the first error: -ENOSPC (truncated) or -EINVAL (misuse) */
	unsigned depth;      /* open containers */
	uint32_t is_object;  /* bit d set: the container at depth d+1 is an object */
	uint32_t has_items;  /* bit d set: the container at depth d+1 holds a member already */
	bool after_key;      /* a key was written; its value comes next */
	bool done;           /* the top-level value is complete */
};

/* Starts writing into buf (cap bytes; kept NUL-terminated whenever cap > 0). */
void json_init(struct json_writer *w, char *buf, size_t cap);

/* Each writer call returns 0, or the sticky error: -ENOSPC once the output did not fit, -EINVAL for a
 * value where a key is due, a key outside an object, a mismatched end, nesting beyond JSON_MAX_DEPTH, or a
 * second top-level value. After an error nothing more is written. */
int json_object_begin(struct json_writer *w);
int json_object_end(struct json_writer *w);
int json_array_begin(struct json_writer *w);
int json_array_end(struct json_writer *w);
int json_key(struct json_writer *w, const char *key);

/* Strings are escaped (quote, backslash, control bytes as \n \r \t \b \f or \u00XX); other bytes,
 * UTF-8 included, pass through. A NULL string is written as null. */
int json_string(struct json_writer *w, const char *s);
int json_string_n(struct json_writer *w, const char *s, size_t n);
int json_uint(struct json_writer *w, uint64_t v);
int json_int(struct json_writer *w, int64_t v);
int json_bool(struct json_writer *w, bool v);
int json_null(struct json_writer *w);

/* A key and its value in one call. */
int json_kv_string(struct json_writer *w, const char *key, const char *s);
int json_kv_uint(struct json_writer *w, const char *key, uint64_t v);
int json_kv_int(struct json_writer *w, const char *key, int64_t v);
int json_kv_bool(struct json_writer *w, const char *key, bool v);
int json_kv_null(struct json_writer *w, const char *key);

/* 0 when exactly one complete top-level value was written and it fit; else the sticky error, or -EINVAL
 * when containers are still open or nothing was written. The text is buf[0..len). */
int json_finish(const struct json_writer *w);

#endif
