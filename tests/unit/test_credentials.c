/* Unit tests for shell/credentials.c: PBKDF2-HMAC-SHA256 against RFC 7914's vectors, the keel.cfg
 * password-hash and fingerprint forms good and bad (with their messages), verification and round trips. */
#include "../../shell/credentials.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void test_pbkdf2_vectors(void)
{
	/* RFC 7914 section 11. */
	uint8_t out[64];
	char text[129];
	CHECK_EQ(credentials_pbkdf2_sha256((const uint8_t *)"passwd", 6, (const uint8_t *)"salt", 4, 1, out, 64), 0);
	hex(out, 64, text);
	CHECK_STR(text, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
			"49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
	CHECK_EQ(credentials_pbkdf2_sha256((const uint8_t *)"Password", 8, (const uint8_t *)"NaCl", 4, 80000, out,
					   64), 0);
	hex(out, 64, text);
	CHECK_STR(text, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
			"a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
}

/* Made with Python's hashlib.pbkdf2_hmac('sha256', b'correct horse', bytes(range(16)), 100000). */
#define GOOD "pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw==$"

static const char *parse_error(const char *text)
{
	static char err[160];
	struct password_hash h;
	err[0] = '\0';
	if (credentials_parse_password(text, &h, err, sizeof err) == 0)
		return NULL;
	return err;
}

static void test_password_lines(void)
{
	struct password_hash h;
	char err[160];
	const char *good = GOOD "V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk=";
	int rc = credentials_parse_password(good, &h, err, sizeof err);
	CHECK_EQ(rc, 0);
	if (rc)
		printf("  %s\n", err);
	CHECK_EQ(h.iterations, 100000);
	CHECK_EQ(h.salt_len, 16);
	CHECK(credentials_verify_password(&h, "correct horse", 13));
	CHECK(!credentials_verify_password(&h, "correct hors", 12));
	CHECK(!credentials_verify_password(&h, "correct horse ", 14));
	CHECK(!credentials_verify_password(&h, "", 0));

	const char *form = "expected pbkdf2-sha256$ITERATIONS$SALT$HASH (from keelctl hash-password)";
	CHECK_STR(parse_error(""), form);
	CHECK_STR(parse_error("hunter2"), form);
	CHECK_STR(parse_error("pbkdf2-sha1$100000$AAECAwQFBgcICQoLDA0ODw==$AAAA"), form);
	CHECK_STR(parse_error("pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw=="), form);
	CHECK_STR(parse_error(GOOD "V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk=$x"), form);
	CHECK_STR(parse_error("pbkdf2-sha256$99999$AAECAwQFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk="),
		  "iterations 99999 below the minimum 100000");
	CHECK_STR(parse_error("pbkdf2-sha256$0$AAECAwQFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk="),
		  "iterations 0 below the minimum 100000");
	const char *range = "iterations must be a number from 100000 to 10000000";
	CHECK_STR(parse_error("pbkdf2-sha256$$AAECAwQFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk="), range);
	CHECK_STR(parse_error("pbkdf2-sha256$1e6$AAECAwQFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk="), range);
	CHECK_STR(parse_error("pbkdf2-sha256$10000001$AAECAwQFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk="), range);
	CHECK_STR(parse_error("pbkdf2-sha256$99999999999999999999999$AAECAwQFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk="), range);
	const char *salt = "salt must be base64 of 8 to 64 bytes";
	CHECK_STR(parse_error("pbkdf2-sha256$100000$$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk="), salt);
	CHECK_STR(parse_error("pbkdf2-sha256$100000$AAEC$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk="), salt);
	CHECK_STR(parse_error("pbkdf2-sha256$100000$not*base64!$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk="), salt);
	CHECK_STR(parse_error("pbkdf2-sha256$100000$AAECAw QFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk="), salt);
	const char *hash = "hash must be base64 of 32 bytes";
	CHECK_STR(parse_error(GOOD), hash);
	CHECK_STR(parse_error(GOOD "V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgf"), hash);
	CHECK_STR(parse_error(GOOD "V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgkAAAA="), hash);

	/* The config check uses the same parser. */
	CHECK(credentials_check_password_value(good, err, sizeof err));
	CHECK(!credentials_check_password_value("x", err, sizeof err));
	CHECK_STR(err, form);
}

static void test_hash_round_trip(void)
{
	struct password_hash h, back = { 0 };
	char line[CRED_LINE_MAX], err[160];
	const uint8_t salt[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	CHECK_EQ(credentials_hash_password("correct horse", 13, salt, 16, 100000, &h), 0);
	CHECK_EQ(credentials_format_password(&h, line, sizeof line), 0);
	CHECK_STR(line, GOOD "V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk=");
	CHECK_EQ(credentials_parse_password(line, &back, err, sizeof err), 0);
	CHECK_EQ(back.iterations, h.iterations);
	CHECK_EQ(back.salt_len, h.salt_len);
	CHECK(memcmp(back.salt, h.salt, h.salt_len) == 0);
	CHECK(memcmp(back.hash, h.hash, sizeof h.hash) == 0);
	CHECK_EQ(credentials_format_password(&h, line, 20), -ENOSPC);
	/* Below the minimum or with a short salt, no hash is made. */
	CHECK(credentials_hash_password("x", 1, salt, 16, 99999, &h) != 0);
	CHECK(credentials_hash_password("x", 1, salt, 4, 100000, &h) != 0);
}

static void test_fingerprints(void)
{
	uint8_t fp[CRED_FINGERPRINT_LEN], other[CRED_FINGERPRINT_LEN];
	char err[160], text[2 * CRED_FINGERPRINT_LEN + 1];
	const char *plain = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
	CHECK_EQ(credentials_parse_fingerprint(plain, fp, err, sizeof err), 0);
	CHECK_EQ(fp[0], 0x00);
	CHECK_EQ(fp[31], 0xff);
	credentials_format_fingerprint(fp, text);
	CHECK_STR(text, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	CHECK_EQ(credentials_parse_fingerprint("00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
					       "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", other, err,
					       sizeof err), 0);
	CHECK(memcmp(fp, other, sizeof fp) == 0);
	const char *bad[] = { "", "0011", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef",
			      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00",
			      "g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
			      ":00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
			      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff:",
			      "0:0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CHECK_EQ(credentials_parse_fingerprint(bad[i], other, err, sizeof err), -EINVAL);
		CHECK_STR(err, "expected the certificate's SHA-256 as 64 hex digits");
	}

	struct credentials c = { 0 };
	CHECK(!credentials_configured(&c));
	CHECK(!credentials_cert_pinned(&c, fp));
	memcpy(c.certs[0], other, sizeof other);
	c.certs[0][5] ^= 1;
	memcpy(c.certs[1], fp, sizeof fp);
	c.cert_count = 1;
	CHECK(credentials_configured(&c));
	CHECK(!credentials_cert_pinned(&c, fp));
	c.cert_count = 2;
	CHECK(credentials_cert_pinned(&c, fp));
	CHECK(credentials_check_fingerprint_value(plain, err, sizeof err));
	CHECK(!credentials_check_fingerprint_value("zz", err, sizeof err));
}

static void test_equal(void)
{
	const uint8_t a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 2, 3, 5 };
	CHECK(credentials_equal(a, a, 4));
	CHECK(!credentials_equal(a, b, 4));
	CHECK(credentials_equal(a, b, 3));
	CHECK(credentials_equal(a, b, 0));
}

int main(void)
{
	test_pbkdf2_vectors();
	test_password_lines();
	test_hash_round_trip();
	test_fingerprints();
	test_equal();
	return check_summary();
}
