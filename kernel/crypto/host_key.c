/* The host's TLS key and self-signed certificate (see host_key.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "host_key.h"
#include "mbedtls/base64.h"
#include "mbedtls/ecp.h"
#include "mbedtls/sha256.h"
#include "mbedtls/x509_crt.h"

#define KEY_DER_MAX 160 /* a SEC1 P-256 key is 121 bytes, PKCS#8 138 */
/* Any fixed span will do: clients pin the fingerprint rather than check dates, and a certificate that
 * stays the same for a given key needs dates that do not depend on the clock. */
#define NOT_BEFORE "20250101000000"
#define NOT_AFTER  "20991231235959"

int host_key_generate(struct host_key *hk, host_key_rng_fn rng, void *rng_ctx)
{
	memset(hk, 0, sizeof *hk);
	mbedtls_pk_init(&hk->pk);
	int err = mbedtls_pk_setup(&hk->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (!err)
		err = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(hk->pk), rng, rng_ctx);
	return err;
}

int host_key_load(struct host_key *hk, const char *b64, char *err, size_t errlen)
{
	unsigned char der[KEY_DER_MAX];
	size_t der_len;
	memset(hk, 0, sizeof *hk);
	mbedtls_pk_init(&hk->pk);
	if (mbedtls_base64_decode(der, sizeof der, &der_len, (const unsigned char *)b64, strlen(b64)) || !der_len) {
		snprintf(err, errlen, "not base64 of a DER private key (from 'host key export')");
		return -EINVAL;
	}
	int rc = mbedtls_pk_parse_key(&hk->pk, der, der_len, NULL, 0);
	memset(der, 0, sizeof der);
	if (rc) {
		snprintf(err, errlen, "not a DER private key (from 'host key export')");
		return -EINVAL;
	}
	if (mbedtls_pk_get_type(&hk->pk) != MBEDTLS_PK_ECKEY ||
	    mbedtls_pk_ec(hk->pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
		snprintf(err, errlen, "not a P-256 EC private key");
		mbedtls_pk_free(&hk->pk);
		return -EINVAL;
	}
	return 0;
}

/* "CN=" and the host name with commas escaped, the one character mbedTLS's name parser needs escaped. */
static int subject_name(const char *hostname, char *buf, size_t len)
{
	size_t out = 0;
	for (const char *p = "CN="; *p; p++)
		buf[out++] = *p;
	for (const char *p = hostname; *p; p++) {
		if (out + 3 > len)
			return -ENOSPC;
		if (*p == ',')
			buf[out++] = '\\';
		buf[out++] = *p;
	}
	buf[out] = '\0';
	return 0;
}

int host_key_certify(struct host_key *hk, const char *hostname, host_key_rng_fn rng, void *rng_ctx)
{
	char subject[600];
	unsigned char pub[200], digest[32];
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
	int err = subject_name(hostname, subject, sizeof subject);
	if (err)
		return err;

	/* The serial number: the first 16 bytes of the public key's hash, positive. */
	int pub_len = mbedtls_pk_write_pubkey_der(&hk->pk, pub, sizeof pub);
	if (pub_len < 0)
		return pub_len;
	if ((err = mbedtls_sha256_ret(pub + sizeof pub - pub_len, (size_t)pub_len, digest, 0)))
		return err;
	digest[0] &= 0x7f;

	mbedtls_x509write_crt_init(&crt);
	mbedtls_mpi_init(&serial);
	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&crt, &hk->pk);
	mbedtls_x509write_crt_set_issuer_key(&crt, &hk->pk);
	if (!(err = mbedtls_mpi_read_binary(&serial, digest, 16)) &&
	    !(err = mbedtls_x509write_crt_set_serial(&crt, &serial)) &&
	    !(err = mbedtls_x509write_crt_set_validity(&crt, NOT_BEFORE, NOT_AFTER)) &&
	    !(err = mbedtls_x509write_crt_set_subject_name(&crt, subject)) &&
	    !(err = mbedtls_x509write_crt_set_issuer_name(&crt, subject)) &&
	    !(err = mbedtls_x509write_crt_set_basic_constraints(&crt, 0, -1))) {
		/* The DER is written at the end of the buffer. */
		int n = mbedtls_x509write_crt_der(&crt, hk->cert, sizeof hk->cert, rng, rng_ctx);
		if (n < 0) {
			err = n;
		} else {
			memmove(hk->cert, hk->cert + sizeof hk->cert - n, (size_t)n);
			hk->cert_len = (size_t)n;
			err = mbedtls_sha256_ret(hk->cert, hk->cert_len, hk->fingerprint, 0);
		}
	}
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&crt);
	return err;
}

int host_key_export(struct host_key *hk, char *buf, size_t len)
{
	unsigned char der[KEY_DER_MAX];
	size_t olen;
	int n = mbedtls_pk_write_key_der(&hk->pk, der, sizeof der);
	if (n < 0)
		return -ENOSPC;
	int err = mbedtls_base64_encode((unsigned char *)buf, len, &olen, der + sizeof der - n, (size_t)n);
	memset(der, 0, sizeof der);
	return err ? -ENOSPC : 0;
}

void host_key_free(struct host_key *hk)
{
	mbedtls_pk_free(&hk->pk);
	memset(hk, 0, sizeof *hk);
}

bool host_key_check_value(const char *value, char *reason, size_t len)
{
	struct host_key hk;
	int err = host_key_load(&hk, value, reason, len);
	if (!err)
		host_key_free(&hk);
	return err == 0;
}
