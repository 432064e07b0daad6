/* Entropy sources (RDRAND, TSC jitter) feeding mbedTLS's entropy pool, and the kernel's one CTR_DRBG over
 * it. A source is used only when it passes a check at boot: RDRAND must answer, and jitter must vary
 * (under QEMU's -icount the TSC counts instructions, so timing carries no entropy at all). */
#include <stdint.h>
#include <string.h>
#include "kernel/arch.h"
#include "kernel/cpu/features.h"
#include "kernel/crypto/random.h"
#include "kernel/log.h"
#include "kernel/sched/spinlock.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"

#define RDRAND_RETRIES 10
/* Jitter: each output byte folds this many timing samples; the byte is credited as fully random, so the
 * margin lies in the folding (NIST SP 800-90B style estimates for such loops are well under 1 bit/sample
 * on emulators, a few bits on hardware). */
#define JITTER_SAMPLES_PER_BYTE 64
#define JITTER_CHECK_SAMPLES    128
/* Distinct deltas among the check samples for the source to count: TCG gives 6 to 10 (its TSC follows the
 * host clock), -icount gives 1 or 2. */
#define JITTER_MIN_DISTINCT     4
#define RESEED_INTERVAL         1024 /* DRBG requests between reseeds */

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static struct spinlock drbg_lock = SPINLOCK_INIT;
static bool ready;

static bool rdrand64(uint64_t *v)
{
	for (int i = 0; i < RDRAND_RETRIES; i++) {
		uint8_t ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

static int rdrand_source(void *ctx, unsigned char *out, size_t len, size_t *olen)
{
	(void)ctx;
	size_t done = 0;
	while (done < len) {
		uint64_t v;
		if (!rdrand64(&v))
			return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
		size_t n = len - done < sizeof v ? len - done : sizeof v;
		memcpy(out + done, &v, n);
		done += n;
	}
	*olen = done;
	return 0;
}

/* One timing sample: the TSC ticks taken by a short walk over a buffer whose path depends on the previous
 * sample, so cache and pipeline state feed the next measurement. */
static uint64_t jitter_sample(void)
{
	static volatile uint8_t scratch[4096];
	static uint64_t prev;
	uint64_t start = rdtsc();
	for (unsigned i = 0; i < 16; i++)
		scratch[(prev * 131 + i * 67) % sizeof scratch] += (uint8_t)i;
	uint64_t delta = rdtsc() - start;
	prev = delta;
	return delta;
}

static int jitter_source(void *ctx, unsigned char *out, size_t len, size_t *olen)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++) {
		uint64_t acc = 0;
		for (unsigned s = 0; s < JITTER_SAMPLES_PER_BYTE; s++)
			acc = (acc << 7 | acc >> 57) ^ jitter_sample();
		out[i] = (unsigned char)(acc ^ acc >> 8 ^ acc >> 16 ^ acc >> 24 ^ acc >> 32 ^ acc >> 40);
	}
	*olen = len;
	return 0;
}

static bool jitter_usable(void)
{
	uint64_t seen[JITTER_CHECK_SAMPLES];
	unsigned distinct = 0;
	for (unsigned i = 0; i < JITTER_CHECK_SAMPLES; i++) {
		uint64_t d = jitter_sample();
		bool dup = false;
		for (unsigned j = 0; j < distinct && !dup; j++)
			dup = seen[j] == d;
		if (!dup)
			seen[distinct++] = d;
	}
	return distinct >= JITTER_MIN_DISTINCT;
}

bool random_init(void)
{
	uint64_t probe;
	bool have_rdrand = cpu_features.rdrand && rdrand64(&probe);
	bool have_jitter = jitter_usable();

	mbedtls_entropy_init(&entropy);
	if (have_rdrand)
		mbedtls_entropy_add_source(&entropy, rdrand_source, NULL, MBEDTLS_ENTROPY_BLOCK_SIZE,
					   MBEDTLS_ENTROPY_SOURCE_STRONG);
	if (have_jitter)
		mbedtls_entropy_add_source(&entropy, jitter_source, NULL, MBEDTLS_ENTROPY_BLOCK_SIZE,
					   MBEDTLS_ENTROPY_SOURCE_STRONG);
	if (!have_rdrand && !have_jitter) {
		log_printf("random: no entropy source (%s, TSC jitter does not vary): no keys, no network shell\n",
			   cpu_features.rdrand ? "RDRAND fails" : "no RDRAND");
		return false;
	}
	mbedtls_ctr_drbg_init(&drbg);
	static const unsigned char personalization[] = "keel kernel drbg";
	int err = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, personalization,
					sizeof personalization - 1);
	if (err) {
		log_printf("random: seeding the DRBG failed (mbedTLS error -0x%04x)\n", (unsigned)-err);
		return false;
	}
	mbedtls_ctr_drbg_set_reseed_interval(&drbg, RESEED_INTERVAL);
	ready = true;
	if (have_rdrand && have_jitter)
		log_printf("random: DRBG seeded from RDRAND and TSC jitter\n");
	else if (have_rdrand)
		log_printf("random: DRBG seeded from RDRAND only (TSC jitter does not vary here)\n");
	else
		log_printf("random: DRBG seeded from TSC jitter only (%s)\n",
			   cpu_features.rdrand ? "RDRAND fails" : "no RDRAND on this CPU");
	return true;
}

int random_bytes(unsigned char *out, size_t n)
{
	if (!ready)
		return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
	while (n > 0) {
		size_t chunk = n < MBEDTLS_CTR_DRBG_MAX_REQUEST ? n : MBEDTLS_CTR_DRBG_MAX_REQUEST;
		uint64_t flags = spin_lock(&drbg_lock);
		int err = mbedtls_ctr_drbg_random(&drbg, out, chunk);
		spin_unlock(&drbg_lock, flags);
		if (err)
			return err;
		out += chunk;
		n -= chunk;
	}
	return 0;
}

int random_mbedtls(void *ctx, unsigned char *out, size_t n)
{
	(void)ctx;
	return random_bytes(out, n);
}
