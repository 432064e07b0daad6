/* Unit tests for shell/json.c: nesting and commas, escaping, number extremes, misuse errors and
 * overflow detection at every possible buffer size. */
#include "../../shell/json.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

static char buf[512];
static struct json_writer w;

static void test_scalars(void)
{
	json_init(&w, buf, sizeof(buf));
	CHECK_EQ(json_finish(&w), -EINVAL); /* nothing written */
	CHECK_STR(buf, "");
	CHECK_EQ(json_uint(&w, UINT64_MAX), 0);
	CHECK_EQ(json_finish(&w), 0);
	CHECK_STR(buf, "18446744073709551615");
	CHECK_EQ(json_uint(&w, 1), -EINVAL); /* a second top-level value */
	CHECK_EQ(json_finish(&w), -EINVAL);

	json_init(&w, buf, sizeof(buf));
	json_array_begin(&w);
	json_int(&w, INT64_MIN);
	json_int(&w, INT64_MAX);
	json_int(&w, -1);
	json_uint(&w, 0);
	json_bool(&w, true);
	json_bool(&w, false);
	json_null(&w);
	json_string(&w, NULL);
	json_string(&w, "");
	json_array_end(&w);
	CHECK_EQ(json_finish(&w), 0);
	CHECK_STR(buf, "[-9223372036854775808,9223372036854775807,-1,0,true,false,null,null,\"\"]");
	CHECK_EQ(w.len, strlen(buf));
}

static void test_nesting(void)
{
	json_init(&w, buf, sizeof(buf));
	CHECK_EQ(json_object_begin(&w), 0);
	CHECK_EQ(json_kv_uint(&w, "cpus_online", 2), 0);
	CHECK_EQ(json_kv_string(&w, "virtualization", "svm"), 0);
	CHECK_EQ(json_kv_null(&w, "x"), 0);
	CHECK_EQ(json_kv_bool(&w, "ok", true), 0);
	CHECK_EQ(json_kv_int(&w, "delta", -5), 0);
	CHECK_EQ(json_key(&w, "features"), 0);
	CHECK_EQ(json_array_begin(&w), 0);
	CHECK_EQ(json_string(&w, "npt"), 0);
	CHECK_EQ(json_object_begin(&w), 0);
	CHECK_EQ(json_object_end(&w), 0);
	CHECK_EQ(json_array_begin(&w), 0);
	CHECK_EQ(json_array_end(&w), 0);
	CHECK_EQ(json_string(&w, "vmx"), 0);
	CHECK_EQ(json_array_end(&w), 0);
	CHECK_EQ(json_key(&w, "empty"), 0);
	CHECK_EQ(json_object_begin(&w), 0);
	CHECK_EQ(json_object_end(&w), 0);
	CHECK_EQ(json_object_end(&w), 0);
	CHECK_EQ(json_finish(&w), 0);
	CHECK_STR(buf, "{\"cpus_online\":2,\"virtualization\":\"svm\",\"x\":null,\"ok\":true,\"delta\":-5,"
		       "\"features\":[\"npt\",{},[],\"vmx\"],\"empty\":{}}");
}

static void test_escaping(void)
{
	json_init(&w, buf, sizeof(buf));
	json_string(&w, "q\"b\\s/\n\r\t\b\f\x01\x1f\x7f caf\xc3\xa9");
	CHECK_EQ(json_finish(&w), 0);
	CHECK_STR(buf, "\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u001f\x7f caf\xc3\xa9\"");
	json_init(&w, buf, sizeof(buf));
	json_string_n(&w, "a\0b", 3);
	CHECK_STR(buf, "\"a\\u0000b\"");
	json_init(&w, buf, sizeof(buf));
	json_object_begin(&w);
	json_kv_string(&w, "k\"ey", "v");
	json_object_end(&w);
	CHECK_STR(buf, "{\"k\\\"ey\":\"v\"}");
}

static void test_misuse(void)
{
	json_init(&w, buf, sizeof(buf));
	json_object_begin(&w);
	CHECK_EQ(json_uint(&w, 1), -EINVAL); /* value without a key */
	CHECK_EQ(json_object_end(&w), -EINVAL); /* sticky */
	CHECK_EQ(json_finish(&w), -EINVAL);

	json_init(&w, buf, sizeof(buf));
	CHECK_EQ(json_key(&w, "k"), -EINVAL); /* key outside an object */
	json_init(&w, buf, sizeof(buf));
	json_array_begin(&w);
	CHECK_EQ(json_key(&w, "k"), -EINVAL); /* key inside an array */
	json_init(&w, buf, sizeof(buf));
	json_array_begin(&w);
	CHECK_EQ(json_object_end(&w), -EINVAL); /* mismatched end */
	json_init(&w, buf, sizeof(buf));
	CHECK_EQ(json_array_end(&w), -EINVAL); /* nothing open */
	json_init(&w, buf, sizeof(buf));
	json_object_begin(&w);
	json_key(&w, "a");
	CHECK_EQ(json_key(&w, "b"), -EINVAL); /* two keys in a row */
	json_init(&w, buf, sizeof(buf));
	json_object_begin(&w);
	json_key(&w, "a");
	CHECK_EQ(json_object_end(&w), -EINVAL); /* key without value */
	json_init(&w, buf, sizeof(buf));
	json_object_begin(&w);
	CHECK_EQ(json_finish(&w), -EINVAL); /* still open */

	/* Depth limit: JSON_MAX_DEPTH containers fine, one more refused. */
	json_init(&w, buf, sizeof(buf));
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		CHECK_EQ(json_array_begin(&w), 0);
	CHECK_EQ(json_array_begin(&w), -EINVAL);
	json_init(&w, buf, sizeof(buf));
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_begin(&w);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_end(&w);
	CHECK_EQ(json_finish(&w), 0);
	CHECK_EQ(strlen(buf), 2 * JSON_MAX_DEPTH);
}

/* Writes one fixed document; returns json_finish. */
static int write_doc(char *out, size_t cap)
{
	json_init(&w, out, cap);
	json_object_begin(&w);
	json_kv_string(&w, "name", "web \"1\"");
	json_kv_uint(&w, "mem", 268435456);
	json_key(&w, "list");
	json_array_begin(&w);
	json_bool(&w, false);
	json_null(&w);
	json_array_end(&w);
	json_object_end(&w);
	return json_finish(&w);
}

static void test_overflow(void)
{
	static const char full[] = "{\"name\":\"web \\\"1\\\"\",\"mem\":268435456,\"list\":[false,null]}";
	char small[sizeof(full) + 8];
	int truncated_ok = 1, fits_ok = 1;

	CHECK_EQ(write_doc(small, sizeof(small)), 0);
	CHECK_STR(small, full);
	/* Every smaller buffer reports -ENOSPC and stays NUL-terminated within its bounds. */
	for (size_t cap = 0; cap < sizeof(full); cap++) {
		memset(small, 'X', sizeof(small));
		if (write_doc(small, cap) != -ENOSPC)
			truncated_ok = 0;
		if (cap && (w.len >= cap || small[w.len] != '\0' || memcmp(small, full, w.len) != 0))
			truncated_ok = 0;
		if (small[cap] != 'X')
			truncated_ok = 0;
	}
	CHECK(truncated_ok);
	/* Exactly the right size (text plus NUL) fits. */
	if (write_doc(small, sizeof(full)) != 0 || strcmp(small, full) != 0)
		fits_ok = 0;
	CHECK(fits_ok);
	/* After overflow nothing more is written, even if a short item would fit. */
	json_init(&w, small, 4);
	json_array_begin(&w);
	CHECK_EQ(json_string(&w, "long"), -ENOSPC);
	CHECK_STR(small, "[\"");
	CHECK_EQ(json_uint(&w, 1), -ENOSPC);
	CHECK_STR(small, "[\"");
}

int main(void)
{
	test_scalars();
	test_nesting();
	test_escaping();
	test_misuse();
	test_overflow();
	return check_summary();
}
