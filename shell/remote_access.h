/* Who may log in over the network: the administrator credentials in force (keel.cfg's, then any set with
 * `host passwd`) and whether the network shell may open. The listener (net side) asks here; it never
 * opens while no credential exists. */
#ifndef KEEL_SHELL_REMOTE_ACCESS_H
#define KEEL_SHELL_REMOTE_ACCESS_H

#include <stdbool.h>
#include "shell/credentials.h"

/* Takes keel.cfg's admin_password and admin_cert_sha256 lines (already checked by the config table) and
 * says on the console, in one line, whether the network shell may open and, if not, the way out. */
void remote_access_init(void);

/* Whether the network shell may accept logins: credentials exist and the host has a TLS key. */
bool remote_access_open(void);

/* Blocks the calling thread until remote_access_open() holds (for the listener's thread). */
void remote_access_wait_open(void);

/* A copy of the credentials in force, for one login attempt. */
void remote_access_credentials(struct credentials *out);

/* Replaces the password (from `host passwd`) and opens the network shell if a TLS key exists. */
void remote_access_set_password(const struct password_hash *h);

#endif
