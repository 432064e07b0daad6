/* The credentials in force and the network shell's open/closed state (see remote_access.h). */
#include <string.h>
#include "kernel/crypto/host_identity.h"
#include "kernel/log.h"
#include "kernel/sched/spinlock.h"
#include "kernel/sched/wait.h"
#include "kernel/settings.h"
#include "shell/remote_access.h"

static struct credentials creds;
static struct spinlock creds_lock = SPINLOCK_INIT;
static struct wait_queue open_waiters = WAIT_QUEUE_INIT;

void remote_access_init(void)
{
	char err[128];
	const char *v = settings_get("admin_password");
	if (v && credentials_parse_password(v, &creds.password, err, sizeof err) == 0)
		creds.has_password = true;
	for (unsigned i = 0; i < CRED_MAX_CERTS && (v = settings_get_nth("admin_cert_sha256", i)); i++) {
		if (credentials_parse_fingerprint(v, creds.certs[creds.cert_count], err, sizeof err) == 0)
			creds.cert_count++;
	}
	if (settings_get_nth("admin_cert_sha256", CRED_MAX_CERTS))
		log_printf("keel.cfg: more than %d admin_cert_sha256 lines; the first %d count\n", CRED_MAX_CERTS,
			   CRED_MAX_CERTS);
	if (!credentials_configured(&creds))
		log_printf("network shell: closed: no credentials; run 'host passwd' here, or add an admin_password "
			   "line from 'keelctl hash-password' to keel.cfg\n");
}

void remote_access_key_ready(void)
{
	struct credentials now;
	remote_access_credentials(&now);
	if (!host_identity())
		log_printf("network shell: closed: this host has no TLS key\n");
	else if (credentials_configured(&now))
		log_printf("network shell: open to the administrator (%s%s%u pinned certificate%s)\n",
			   now.has_password ? "password" : "", now.has_password ? ", " : "", now.cert_count,
			   now.cert_count == 1 ? "" : "s");
	memset(&now, 0, sizeof now);
	wait_wake_all(&open_waiters);
}

static int is_open(void *ctx)
{
	(void)ctx;
	return remote_access_open();
}

bool remote_access_open(void)
{
	uint64_t flags = spin_lock(&creds_lock);
	bool open = credentials_configured(&creds);
	spin_unlock(&creds_lock, flags);
	return open && host_identity() != NULL;
}

void remote_access_wait_open(void)
{
	wait_until(&open_waiters, is_open, NULL);
}

void remote_access_credentials(struct credentials *out)
{
	uint64_t flags = spin_lock(&creds_lock);
	*out = creds;
	spin_unlock(&creds_lock, flags);
}

void remote_access_set_password(const struct password_hash *h)
{
	uint64_t flags = spin_lock(&creds_lock);
	creds.password = *h;
	creds.has_password = true;
	spin_unlock(&creds_lock, flags);
	wait_wake_all(&open_waiters);
}
