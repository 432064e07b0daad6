/* This boot's TLS identity (see host_identity.h). */
#include "kernel/crypto/host_identity.h"
#include "kernel/crypto/host_key.h"
#include "kernel/crypto/random.h"
#include "kernel/log.h"
#include "kernel/settings.h"
#include "shell/credentials.h"

static struct host_key key;
static bool ready, persistent;
static char fingerprint[2 * HOST_KEY_FINGERPRINT_LEN + 1];

bool host_identity_init(void)
{
	char err[128];
	const char *saved = settings_get("host_key");
	int rc;

	if (saved && host_key_load(&key, saved, err, sizeof err) == 0) {
		persistent = true;
		log_printf("host key: from keel.cfg\n");
	} else if ((rc = host_key_generate(&key, random_mbedtls, NULL)) == 0) {
		log_printf("host key: generated for this boot only (keel.cfg has no host_key); 'host key export' "
			   "on the serial console prints the keel.cfg line that keeps it\n");
	} else {
		log_printf("host key: cannot generate a key (mbedTLS error -0x%04x): no network shell\n",
			   (unsigned)-rc);
		return false;
	}
	rc = host_key_certify(&key, settings_hostname(), random_mbedtls, NULL);
	if (rc) {
		log_printf("host key: cannot make the certificate (mbedTLS error -0x%04x): no network shell\n",
			   (unsigned)-rc);
		host_key_free(&key);
		return false;
	}
	credentials_format_fingerprint(key.fingerprint, fingerprint);
	__atomic_store_n(&ready, true, __ATOMIC_RELEASE); /* other threads read the key from now on */
	log_printf("host key: certificate CN=%s, sha256 fingerprint %s\n", settings_hostname(), fingerprint);
	return true;
}

struct host_key *host_identity(void)
{
	return __atomic_load_n(&ready, __ATOMIC_ACQUIRE) ? &key : NULL;
}

bool host_identity_persistent(void)
{
	return persistent;
}

const char *host_identity_fingerprint(void)
{
	return __atomic_load_n(&ready, __ATOMIC_ACQUIRE) ? fingerprint : NULL;
}
