/* The kernel's random numbers: one CTR_DRBG seeded and reseeded from RDRAND (when the CPU has it) and
 * TSC jitter, for keys, salts and TLS. */
#ifndef KERNEL_CRYPTO_RANDOM_H
#define KERNEL_CRYPTO_RANDOM_H

#include <stdbool.h>
#include <stddef.h>

/* Checks the entropy sources, seeds the DRBG and logs one line naming the sources used (or why there is
 * none). Call once at boot, with threads running. False when no source is usable: random_bytes then
 * always fails and nothing that needs keys may start. */
bool random_init(void);

/* Fills out with n DRBG bytes (any length; reseeds from the sources as the DRBG's interval says).
 * 0, or a negative mbedTLS error. Safe from any thread, not from interrupt handlers. */
int random_bytes(unsigned char *out, size_t n);

/* The same with mbedTLS's f_rng signature (ctx unused), for key generation and TLS. */
int random_mbedtls(void *ctx, unsigned char *out, size_t n);

#endif
