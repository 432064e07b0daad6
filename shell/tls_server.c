/* The network shell's TLS layer (see tls_server.h). */
#include <string.h>
#include "kernel/crypto/host_key.h"
#include "mbedtls/sha256.h"
#include "tls_server.h"

static const int ciphersuites[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	0,
};

static const mbedtls_ecp_group_id curves[] = {
	MBEDTLS_ECP_DP_CURVE25519,
	MBEDTLS_ECP_DP_SECP256R1,
	MBEDTLS_ECP_DP_NONE,
};

int tls_server_init(struct tls_server *t, struct host_key *key,
		    int (*rng)(void *ctx, unsigned char *out, size_t n), void *rng_ctx)
{
	int err;
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_x509_crt_init(&t->cert);
	if ((err = mbedtls_x509_crt_parse_der(&t->cert, key->cert, key->cert_len)) ||
	    (err = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
					       MBEDTLS_SSL_PRESET_DEFAULT)) ||
	    (err = mbedtls_ssl_conf_own_cert(&t->conf, &t->cert, &key->pk))) {
		tls_server_free(t);
		return err;
	}
	mbedtls_ssl_conf_rng(&t->conf, rng, rng_ctx);
	mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ciphersuites(&t->conf, ciphersuites);
	mbedtls_ssl_conf_curves(&t->conf, curves);
	/* Ask for a client certificate but take any (or none): the session compares its fingerprint with the
	 * pinned ones; the handshake has already proven the client holds its key. */
	mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
	return 0;
}

void tls_server_free(struct tls_server *t)
{
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_x509_crt_free(&t->cert);
}

int tls_conn_init(struct tls_conn *c, const struct tls_server *t, tls_send_fn send, tls_recv_fn recv, void *io)
{
	mbedtls_ssl_init(&c->ssl);
	int err = mbedtls_ssl_setup(&c->ssl, &t->conf);
	if (err) {
		mbedtls_ssl_free(&c->ssl);
		return err;
	}
	mbedtls_ssl_set_bio(&c->ssl, io, send, recv, NULL);
	return 0;
}

int tls_conn_handshake(struct tls_conn *c)
{
	return mbedtls_ssl_handshake(&c->ssl);
}

bool tls_conn_client_fingerprint(const struct tls_conn *c, uint8_t fp[32])
{
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&c->ssl);
	return peer && peer->raw.len > 0 && mbedtls_sha256_ret(peer->raw.p, peer->raw.len, fp, 0) == 0;
}

int tls_conn_read(struct tls_conn *c, unsigned char *buf, size_t n)
{
	return mbedtls_ssl_read(&c->ssl, buf, n);
}

int tls_conn_write_all(struct tls_conn *c, const unsigned char *buf, size_t n)
{
	while (n > 0) {
		int done = mbedtls_ssl_write(&c->ssl, buf, n);
		if (done == MBEDTLS_ERR_SSL_WANT_READ || done == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (done < 0)
			return done;
		buf += done;
		n -= (size_t)done;
	}
	return 0;
}

void tls_conn_close(struct tls_conn *c)
{
	mbedtls_ssl_close_notify(&c->ssl);
}

void tls_conn_free(struct tls_conn *c)
{
	mbedtls_ssl_free(&c->ssl);
}
