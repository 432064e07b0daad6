/* The network shell's TLS layer over mbedTLS: one server configuration (TLS 1.2 only, ECDHE with AEAD
 * suites, the host key and certificate, an optional client certificate that the session pins by
 * fingerprint) and per-connection contexts over any byte transport the owner provides (lwIP in the
 * image, sockets in the host test server). Session logic lives in session.c; this file only moves bytes. */
#ifndef KEEL_SHELL_TLS_SERVER_H
#define KEEL_SHELL_TLS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

struct host_key;

struct tls_server {
	mbedtls_ssl_config conf;
	mbedtls_x509_crt cert;
};

/* Transport callbacks, mbedTLS's convention: bytes moved, MBEDTLS_ERR_SSL_WANT_READ/WANT_WRITE when the
 * transport would block, another negative value on error; 0 from recv means the peer closed. */
typedef int (*tls_send_fn)(void *io, const unsigned char *buf, size_t n);
typedef int (*tls_recv_fn)(void *io, unsigned char *buf, size_t n);

struct tls_conn {
	mbedtls_ssl_context ssl;
};

/* Sets up the server side with key (which must outlive t) and randomness. 0 or a negative mbedTLS error. */
int tls_server_init(struct tls_server *t, struct host_key *key,
		    int (*rng)(void *ctx, unsigned char *out, size_t n), void *rng_ctx);
void tls_server_free(struct tls_server *t);

/* A connection over io; then call tls_conn_handshake until it returns 0 (or an error). */
int tls_conn_init(struct tls_conn *c, const struct tls_server *t, tls_send_fn send, tls_recv_fn recv, void *io);
int tls_conn_handshake(struct tls_conn *c);

/* The SHA-256 of the client's certificate, when it sent one (its possession of the key is proven by the
 * handshake; whether it is pinned is the session's question). */
bool tls_conn_client_fingerprint(const struct tls_conn *c, uint8_t fp[32]);

/* Application data both ways: mbedTLS's return conventions (bytes, WANT_*, 0 or
 * MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY at the end, negative errors). tls_conn_write_all loops over records
 * on a blocking transport; 0 or a negative error. */
int tls_conn_read(struct tls_conn *c, unsigned char *buf, size_t n);
int tls_conn_write_all(struct tls_conn *c, const unsigned char *buf, size_t n);
void tls_conn_close(struct tls_conn *c);
void tls_conn_free(struct tls_conn *c);

#endif
