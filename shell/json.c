/* Streaming JSON writer: container nesting and commas as bit stacks, escaping, numbers, sticky errors. */
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void json_init(struct json_writer *w, char *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	if (cap)
		buf[0] = '\0';
}

static int set_error(struct json_writer *w, int err)
{
	if (!w->error)
		w->error = err;
	return w->error;
}

/* Appends n bytes or, when they do not all fit, none and records -ENOSPC. */
static int put(struct json_writer *w, const char *s, size_t n)
{
	if (w->error)
		return w->error;
	if (w->cap == 0 || n > w->cap - 1 - w->len)
		return set_error(w, -ENOSPC);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
	return 0;
}

static uint32_t top_bit(const struct json_writer *w)
{
	return UINT32_C(1) << (w->depth - 1);
}

/* Checks that a value may go here and writes the comma before it when one is due. */
static int before_value(struct json_writer *w)
{
	if (w->error)
		return w->error;
	if (w->depth == 0)
		return w->done ? set_error(w, -EINVAL) : 0;
	if (w->is_object & top_bit(w))
		return w->after_key ? 0 : set_error(w, -EINVAL);
	if (w->has_items & top_bit(w))
		return put(w, ",", 1);
	return 0;
}

/* Bookkeeping once a whole value (scalar or closed container) has been written. */
static int after_value(struct json_writer *w)
{
	if (w->depth == 0)
		w->done = true;
	else
		w->has_items |= top_bit(w);
	w->after_key = false;
	return w->error;
}

static int begin(struct json_writer *w, bool object)
{
	int err = before_value(w);

	if (err)
		return err;
	if (w->depth == JSON_MAX_DEPTH)
		return set_error(w, -EINVAL);
	err = put(w, object ? "{" : "[", 1);
	if (err)
		return err;
	w->depth++;
	w->is_object = object ? (w->is_object | top_bit(w)) : (w->is_object & ~top_bit(w));
	w->has_items &= ~top_bit(w);
	w->after_key = false;
	return 0;
}

static int end(struct json_writer *w, bool object)
{
	int err;

	if (w->error)
		return w->error;
	if (w->depth == 0 || w->after_key || ((w->is_object & top_bit(w)) != 0) != object)
		return set_error(w, -EINVAL);
	err = put(w, object ? "}" : "]", 1);
	if (err)
		return err;
	w->depth--;
	return after_value(w);
}

int json_object_begin(struct json_writer *w)
{
	return begin(w, true);
}

int json_object_end(struct json_writer *w)
{
	return end(w, true);
}

int json_array_begin(struct json_writer *w)
{
	return begin(w, false);
}

int json_array_end(struct json_writer *w)
{
	return end(w, false);
}

/* Writes s as a quoted, escaped JSON string, in runs so plain text costs one copy. */
static int put_string(struct json_writer *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	int err = put(w, "\"", 1);

	for (size_t i = 0; i < n && !err; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = { '\\', 0, 0, 0, 0, 0 };
		size_t esc_len = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		err = put(w, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			esc_len = 6;
		}
		if (!err)
			err = put(w, esc, esc_len);
	}
	if (!err)
		err = put(w, s + run, n - run);
	return err ? err : put(w, "\"", 1);
}

int json_key(struct json_writer *w, const char *key)
{
	int err;

	if (w->error)
		return w->error;
	if (w->depth == 0 || !(w->is_object & top_bit(w)) || w->after_key)
		return set_error(w, -EINVAL);
	if (w->has_items & top_bit(w)) {
		err = put(w, ",", 1);
		if (err)
			return err;
	}
	err = put_string(w, key, strlen(key));
	if (!err)
		err = put(w, ":", 1);
	if (err)
		return err;
	w->has_items |= top_bit(w);
	w->after_key = true;
	return 0;
}

static int scalar(struct json_writer *w, const char *text, size_t n)
{
	int err = before_value(w);

	if (!err)
		err = put(w, text, n);
	return err ? err : after_value(w);
}

int json_string_n(struct json_writer *w, const char *s, size_t n)
{
	int err = before_value(w);

	if (!err)
		err = put_string(w, s, n);
	return err ? err : after_value(w);
}

int json_string(struct json_writer *w, const char *s)
{
	return s ? json_string_n(w, s, strlen(s)) : json_null(w);
}

int json_uint(struct json_writer *w, uint64_t v)
{
	char text[24];
	int n = snprintf(text, sizeof(text), "%llu", (unsigned long long)v);

	return scalar(w, text, (size_t)n);
}

int json_int(struct json_writer *w, int64_t v)
{
	char text[24];
	int n = snprintf(text, sizeof(text), "%lld", (long long)v);

	return scalar(w, text, (size_t)n);
}

int json_bool(struct json_writer *w, bool v)
{
	return v ? scalar(w, "true", 4) : scalar(w, "false", 5);
}

int json_null(struct json_writer *w)
{
	return scalar(w, "null", 4);
}

int json_kv_string(struct json_writer *w, const char *key, const char *s)
{
	int err = json_key(w, key);

	return err ? err : json_string(w, s);
}

int json_kv_uint(struct json_writer *w, const char *key, uint64_t v)
{
	int err = json_key(w, key);

	return err ? err : json_uint(w, v);
}

int json_kv_int(struct json_writer *w, const char *key, int64_t v)
{
	int err = json_key(w, key);

	return err ? err : json_int(w, v);
}

int json_kv_bool(struct json_writer *w, const char *key, bool v)
{
	int err = json_key(w, key);

	return err ? err : json_bool(w, v);
}

int json_kv_null(struct json_writer *w, const char *key)
{
	int err = json_key(w, key);

	return err ? err : json_null(w);
}

int json_finish(const struct json_writer *w)
{
	if (w->error)
		return w->error;
	return (w->depth == 0 && w->done) ? 0 : -EINVAL;
}
