/* Administrator credentials: the keel.cfg forms (`admin_password = pbkdf2-sha256$ITERATIONS$SALT$HASH`,
 * `admin_cert_sha256 = HEX`), parsing them with messages that say what is wrong, checking a password or a
 * client certificate's fingerprint against them in constant time, and making a new password hash. Pure
 * logic over mbedTLS's PBKDF2 and base64: built into the image, keelctl and the host tests alike. */
#ifndef KEEL_SHELL_CREDENTIALS_H
#define KEEL_SHELL_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRED_MIN_ITERATIONS     100000u
#define CRED_MAX_ITERATIONS     10000000u /* bounds the cost of one login attempt */
#define CRED_DEFAULT_ITERATIONS 100000u   /* for new hashes: the minimum, as logins run under emulation too */
#define CRED_SALT_MIN           8
#define CRED_SALT_MAX           64
#define CRED_SALT_DEFAULT       16
#define CRED_HASH_LEN           32  /* PBKDF2-HMAC-SHA256 output kept */
#define CRED_FINGERPRINT_LEN    32  /* SHA-256 of a certificate's DER */
#define CRED_MAX_CERTS          16
#define CRED_PASSWORD_MAX       256 /* bytes of a password */
#define CRED_LINE_MAX           192 /* bytes of a formatted password hash, NUL included */

struct password_hash {
	uint32_t iterations;
	uint8_t salt_len;
	uint8_t salt[CRED_SALT_MAX];
	uint8_t hash[CRED_HASH_LEN];
};

struct credentials {
	bool has_password;
	struct password_hash password;
	unsigned cert_count;
	uint8_t certs[CRED_MAX_CERTS][CRED_FINGERPRINT_LEN];
};

/* Whether anyone can log in with these: a password or at least one pinned certificate. */
bool credentials_configured(const struct credentials *c);

/* PBKDF2-HMAC-SHA256 (RFC 8018) of password and salt into out (out_len bytes). 0 or a negative error. */
int credentials_pbkdf2_sha256(const uint8_t *password, size_t password_len, const uint8_t *salt,
			      size_t salt_len, uint32_t iterations, uint8_t *out, size_t out_len);

/* Parses "pbkdf2-sha256$ITERATIONS$SALT_B64$HASH_B64" (standard base64 with padding). 0, or -EINVAL with
 * the reason in err (errlen bytes), e.g. "iterations 1000 below the minimum 100000". */
int credentials_parse_password(const char *text, struct password_hash *out, char *err, size_t errlen);

/* Makes a hash of password with the given salt and iterations. 0 or a negative error. */
int credentials_hash_password(const char *password, size_t len, const uint8_t *salt, size_t salt_len,
			      uint32_t iterations, struct password_hash *out);

/* Writes h in the keel.cfg form (without the key) into buf. 0, or -ENOSPC. */
int credentials_format_password(const struct password_hash *h, char *buf, size_t len);

/* Whether password matches h; the comparison takes the same time wherever the first difference is. */
bool credentials_verify_password(const struct password_hash *h, const char *password, size_t len);

/* Parses 64 hex digits (either case; ':' between byte pairs allowed, as `openssl x509 -fingerprint`
 * prints them). 0, or -EINVAL with the reason in err. */
int credentials_parse_fingerprint(const char *text, uint8_t out[CRED_FINGERPRINT_LEN], char *err,
				  size_t errlen);

/* Writes fp as 64 lowercase hex digits and a NUL (buf holds at least 65 bytes). */
void credentials_format_fingerprint(const uint8_t fp[CRED_FINGERPRINT_LEN], char buf[2 * CRED_FINGERPRINT_LEN + 1]);

/* Whether fp is one of c's pinned certificates (constant time in the fingerprint's bytes). */
bool credentials_cert_pinned(const struct credentials *c, const uint8_t fp[CRED_FINGERPRINT_LEN]);

/* Constant-time equality of two n-byte buffers. */
bool credentials_equal(const uint8_t *a, const uint8_t *b, size_t n);

/* keel.cfg value checks (config_key.check): the two forms above. */
bool credentials_check_password_value(const char *value, char *reason, size_t len);
bool credentials_check_fingerprint_value(const char *value, char *reason, size_t len);

#endif
