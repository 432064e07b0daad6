/* Who may log in over the network: the administrator credentials in force (keel.cfg's, then any set with
 * `host passwd`) and whether the network shell may open. The listener (net side) asks here; it never
 * opens while no credential exists. */
#ifndef KEEL_SHELL_REMOTE_ACCESS_H
#define KEEL_SHELL_REMOTE_ACCESS_H

#include <stdbool.h>
#include "shell/credentials.h"

/* Takes keel.cfg's admin_password and admin_cert_sha256 lines (already checked by the config table); when
 * there are none, says on the console that the network shell stays closed and names the way out. */
void remote_access_init(void);

/* The host key is made (or could not be: host_identity() is NULL), after remote_access_init: says on the
 * console whether the network shell is open, and lets remote_access_wait_open's waiters look again. */
void remote_access_key_ready(void);

/* Whether the network shell may accept logins: credentials exist and the host has a TLS key. */
bool remote_access_open(void);

/* Blocks the calling thread until remote_access_open() holds (for the listener's thread). */
void remote_access_wait_open(void);

/* A copy of the credentials in force, for one login attempt. */
void remote_access_credentials(struct credentials *out);

/* Replaces the password (from `host passwd`) and opens the network shell if a TLS key exists. */
void remote_access_set_password(const struct password_hash *h);

#endif
