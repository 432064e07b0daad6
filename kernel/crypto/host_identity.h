/* This boot's TLS identity: the host key from keel.cfg or a per-boot one, its certificate and fingerprint,
 * announced on the console. */
#ifndef KERNEL_CRYPTO_HOST_IDENTITY_H
#define KERNEL_CRYPTO_HOST_IDENTITY_H

#include <stdbool.h>
struct host_key;

/* Loads keel.cfg's host_key or generates one, certifies it for the host name and logs where the key came
 * from and the fingerprint. Call once after random_init, from any one thread (boot runs it in the
 * background: generating a key takes about 19 M instructions). False when there is no key (no entropy). */
bool host_identity_init(void);

/* The key and certificate, or NULL until host_identity_init succeeded. Read-only from then on. */
struct host_key *host_identity(void);

/* Whether the key came from keel.cfg (else it lives for this boot only). */
bool host_identity_persistent(void);

/* The certificate's fingerprint as 64 lowercase hex digits, or NULL. */
const char *host_identity_fingerprint(void);

#endif
