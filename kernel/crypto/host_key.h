/* The host's TLS identity: an ECDSA P-256 key (generated, or loaded from keel.cfg's base64 DER) and a
 * self-signed certificate naming the host, with the certificate's SHA-256 fingerprint that clients pin.
 * Pure logic over mbedTLS (randomness comes from the caller): built into the image and the host test
 * server alike. The certificate is deterministic (RFC 6979 signature, fixed serial and validity), so the
 * same key and host name give the same fingerprint on every boot. */
#ifndef KERNEL_CRYPTO_HOST_KEY_H
#define KERNEL_CRYPTO_HOST_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mbedtls/pk.h"

#define HOST_KEY_CERT_MAX        1024
#define HOST_KEY_FINGERPRINT_LEN 32
#define HOST_KEY_EXPORT_MAX      256 /* base64 of the DER private key, NUL included */

typedef int (*host_key_rng_fn)(void *ctx, unsigned char *out, size_t n);

struct host_key {
	mbedtls_pk_context pk;
	unsigned char cert[HOST_KEY_CERT_MAX]; /* DER */
	size_t cert_len;
	uint8_t fingerprint[HOST_KEY_FINGERPRINT_LEN]; /* SHA-256 of cert */
};

/* Makes a new P-256 key into hk (initialised here). 0 or a negative mbedTLS error. */
int host_key_generate(struct host_key *hk, host_key_rng_fn rng, void *rng_ctx);

/* Loads hk (initialised here) from base64 of a DER EC private key (SEC1 or PKCS#8) on P-256.
 * 0, or -EINVAL with the reason in err, e.g. "not base64", "not a P-256 EC private key". */
int host_key_load(struct host_key *hk, const char *b64, char *err, size_t errlen);

/* Writes hk's self-signed certificate for CN=hostname and its fingerprint. 0 or a negative error. */
int host_key_certify(struct host_key *hk, const char *hostname, host_key_rng_fn rng, void *rng_ctx);

/* Writes the private key as base64 of its DER (the keel.cfg host_key value). 0 or -ENOSPC. */
int host_key_export(struct host_key *hk, char *buf, size_t len);

void host_key_free(struct host_key *hk);

/* keel.cfg value check (config_key.check) for host_key. */
bool host_key_check_value(const char *value, char *reason, size_t len);

#endif
