/* Administrator credentials: keel.cfg's password-hash and certificate-fingerprint forms, verification and
 * hashing (see credentials.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "mbedtls/base64.h"
#include "mbedtls/md.h"
#include "mbedtls/pkcs5.h"
#include "credentials.h"

#define SCHEME "pbkdf2-sha256"

bool credentials_configured(const struct credentials *c)
{
	return c->has_password || c->cert_count > 0;
}

bool credentials_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	volatile uint8_t diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

int credentials_pbkdf2_sha256(const uint8_t *password, size_t password_len, const uint8_t *salt,
			      size_t salt_len, uint32_t iterations, uint8_t *out, size_t out_len)
{
	mbedtls_md_context_t md;
	mbedtls_md_init(&md);
	int err = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1);
	if (!err)
		err = mbedtls_pkcs5_pbkdf2_hmac(&md, password, password_len, salt, salt_len, iterations,
						(uint32_t)out_len, out);
	mbedtls_md_free(&md);
	return err ? -EINVAL : 0;
}

/* Decodes base64 text of exactly n characters into out (cap bytes); the decoded length, or -1. */
static int decode_b64(const char *text, size_t n, uint8_t *out, size_t cap)
{
	size_t olen;
	for (size_t i = 0; i < n; i++) {
		if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')
			return -1; /* mbedTLS skips whitespace; a credential has none */
	}
	if (n == 0 || mbedtls_base64_decode(out, cap, &olen, (const unsigned char *)text, n) != 0)
		return -1;
	return (int)olen;
}

int credentials_parse_password(const char *text, struct password_hash *out, char *err, size_t errlen)
{
	static const char form[] = "expected " SCHEME "$ITERATIONS$SALT$HASH (from keelctl hash-password)";
	const char *p = text, *fields[3];
	size_t lens[3];
	uint8_t buf[CRED_SALT_MAX + 4];
	int n;

	if (strncmp(p, SCHEME "$", sizeof SCHEME) != 0) {
		snprintf(err, errlen, "%s", form);
		return -EINVAL;
	}
	p += sizeof SCHEME;
	for (int i = 0; i < 3; i++) {
		const char *end = strchr(p, '$');
		if ((i < 2) != (end != NULL)) {
			snprintf(err, errlen, "%s", form);
			return -EINVAL;
		}
		fields[i] = p;
		lens[i] = end ? (size_t)(end - p) : strlen(p);
		p = end ? end + 1 : p + lens[i];
	}
	uint64_t iterations = 0;
	for (size_t i = 0; i < lens[0]; i++) {
		if (fields[0][i] < '0' || fields[0][i] > '9' || iterations > CRED_MAX_ITERATIONS) {
			snprintf(err, errlen, "iterations must be a number from %u to %u", CRED_MIN_ITERATIONS,
				 CRED_MAX_ITERATIONS);
			return -EINVAL;
		}
		iterations = iterations * 10 + (uint64_t)(fields[0][i] - '0');
	}
	if (lens[0] == 0 || iterations < CRED_MIN_ITERATIONS || iterations > CRED_MAX_ITERATIONS) {
		if (lens[0] > 0 && iterations < CRED_MIN_ITERATIONS)
			snprintf(err, errlen, "iterations %llu below the minimum %u", (unsigned long long)iterations,
				 CRED_MIN_ITERATIONS);
		else
			snprintf(err, errlen, "iterations must be a number from %u to %u", CRED_MIN_ITERATIONS,
				 CRED_MAX_ITERATIONS);
		return -EINVAL;
	}
	n = decode_b64(fields[1], lens[1], buf, sizeof buf);
	if (n < CRED_SALT_MIN || n > CRED_SALT_MAX) {
		snprintf(err, errlen, "salt must be base64 of %d to %d bytes", CRED_SALT_MIN, CRED_SALT_MAX);
		return -EINVAL;
	}
	out->salt_len = (uint8_t)n;
	memcpy(out->salt, buf, (size_t)n);
	n = decode_b64(fields[2], lens[2], buf, sizeof buf);
	if (n != CRED_HASH_LEN) {
		snprintf(err, errlen, "hash must be base64 of %d bytes", CRED_HASH_LEN);
		return -EINVAL;
	}
	memcpy(out->hash, buf, CRED_HASH_LEN);
	out->iterations = (uint32_t)iterations;
	return 0;
}

int credentials_hash_password(const char *password, size_t len, const uint8_t *salt, size_t salt_len,
			      uint32_t iterations, struct password_hash *out)
{
	if (salt_len < CRED_SALT_MIN || salt_len > CRED_SALT_MAX || iterations < CRED_MIN_ITERATIONS ||
	    iterations > CRED_MAX_ITERATIONS)
		return -EINVAL;
	out->iterations = iterations;
	out->salt_len = (uint8_t)salt_len;
	memcpy(out->salt, salt, salt_len);
	return credentials_pbkdf2_sha256((const uint8_t *)password, len, salt, salt_len, iterations, out->hash,
					 CRED_HASH_LEN);
}

int credentials_format_password(const struct password_hash *h, char *buf, size_t len)
{
	unsigned char salt[4 * CRED_SALT_MAX / 3 + 4], hash[4 * CRED_HASH_LEN / 3 + 4];
	size_t salt_len, hash_len;
	if (mbedtls_base64_encode(salt, sizeof salt, &salt_len, h->salt, h->salt_len) ||
	    mbedtls_base64_encode(hash, sizeof hash, &hash_len, h->hash, CRED_HASH_LEN))
		return -ENOSPC;
	int n = snprintf(buf, len, SCHEME "$%u$%s$%s", (unsigned)h->iterations, (const char *)salt,
			 (const char *)hash);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

bool credentials_verify_password(const struct password_hash *h, const char *password, size_t len)
{
	uint8_t got[CRED_HASH_LEN];
	if (credentials_pbkdf2_sha256((const uint8_t *)password, len, h->salt, h->salt_len, h->iterations, got,
				      sizeof got))
		return false;
	bool ok = credentials_equal(got, h->hash, CRED_HASH_LEN);
	memset(got, 0, sizeof got);
	return ok;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int credentials_parse_fingerprint(const char *text, uint8_t out[CRED_FINGERPRINT_LEN], char *err, size_t errlen)
{
	size_t pos = 0;
	for (unsigned i = 0; i < CRED_FINGERPRINT_LEN; i++) {
		if (i > 0 && text[pos] == ':')
			pos++;
		int hi = hex_value(text[pos]), lo = hi < 0 ? -1 : hex_value(text[pos + 1]);
		if (hi < 0 || lo < 0) {
			snprintf(err, errlen, "expected the certificate's SHA-256 as 64 hex digits");
			return -EINVAL;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
		pos += 2;
	}
	if (text[pos] != '\0') {
		snprintf(err, errlen, "expected the certificate's SHA-256 as 64 hex digits");
		return -EINVAL;
	}
	return 0;
}

void credentials_format_fingerprint(const uint8_t fp[CRED_FINGERPRINT_LEN], char buf[2 * CRED_FINGERPRINT_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (unsigned i = 0; i < CRED_FINGERPRINT_LEN; i++) {
		buf[2 * i] = digits[fp[i] >> 4];
		buf[2 * i + 1] = digits[fp[i] & 15];
	}
	buf[2 * CRED_FINGERPRINT_LEN] = '\0';
}

bool credentials_cert_pinned(const struct credentials *c, const uint8_t fp[CRED_FINGERPRINT_LEN])
{
	bool found = false;
	for (unsigned i = 0; i < c->cert_count && i < CRED_MAX_CERTS; i++)
		found |= credentials_equal(c->certs[i], fp, CRED_FINGERPRINT_LEN);
	return found;
}

bool credentials_check_password_value(const char *value, char *reason, size_t len)
{
	struct password_hash h;
	return credentials_parse_password(value, &h, reason, len) == 0;
}

bool credentials_check_fingerprint_value(const char *value, char *reason, size_t len)
{
	uint8_t fp[CRED_FINGERPRINT_LEN];
	return credentials_parse_fingerprint(value, fp, reason, len) == 0;
}
