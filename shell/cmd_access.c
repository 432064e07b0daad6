/* host passwd and host key export: setting the administrator password and keeping the host key. Both run
 * only on the serial console, so no secret is ever set or shown over the network. */
#include <string.h>
#include "kernel/crypto/host_identity.h"
#include "kernel/crypto/host_key.h"
#include "kernel/crypto/random.h"
#include "kernel/log.h"
#include "shell/credentials.h"
#include "shell/frontend.h"
#include "shell/registry.h"
#include "shell/remote_access.h"

#define PASSWORD_MIN 8

enum secret_result { SECRET_OK, SECRET_CANCEL, SECRET_TOO_LONG };

/* Reads one line without echo: backspace erases, Ctrl-C cancels, CR or LF ends it (a LF right after the
 * command's own CR is that line's end, not an empty answer). */
static enum secret_result read_secret(const struct shell_frontend *fe, char *buf, size_t cap, size_t *len)
{
	bool overlong = false, first = true;
	*len = 0;
	for (;;) {
		int c = fe->read_byte(fe->ctx);
		if (c < 0 || c == 3)
			return SECRET_CANCEL;
		if (c == '\n' && first) {
			first = false;
			continue;
		}
		first = false;
		if (c == '\r' || c == '\n')
			return overlong ? SECRET_TOO_LONG : SECRET_OK;
		if (c == 8 || c == 127) {
			if (*len > 0)
				(*len)--;
		} else if (c >= 0x20 && *len < cap) {
			buf[(*len)++] = (char)c;
		} else if (c >= 0x20) {
			overlong = true;
		}
	}
}

static int run_host_passwd(struct shell_ctx *ctx, const struct shell_args *args)
{
	(void)args;
	static char first[CRED_PASSWORD_MAX], second[CRED_PASSWORD_MAX];
	size_t first_len, second_len;
	const struct shell_frontend *fe = ctx->priv;
	enum secret_result r;
	int rc = -1;

	if (!shell_on_console(ctx)) {
		shell_printf(ctx, "error: host passwd: only on the serial console\n");
		return -1;
	}
	shell_printf(ctx, "new password: ");
	r = read_secret(fe, first, sizeof first, &first_len);
	shell_printf(ctx, "\n");
	if (r == SECRET_OK) {
		shell_printf(ctx, "again: ");
		r = read_secret(fe, second, sizeof second, &second_len);
		shell_printf(ctx, "\n");
	}
	if (r == SECRET_CANCEL) {
		shell_printf(ctx, "error: host passwd: cancelled, nothing changed\n");
	} else if (r == SECRET_TOO_LONG) {
		shell_printf(ctx, "error: host passwd: over %d characters, nothing changed\n", CRED_PASSWORD_MAX);
	} else if (first_len != second_len || !credentials_equal((uint8_t *)first, (uint8_t *)second, first_len)) {
		shell_printf(ctx, "error: host passwd: the two passwords differ, nothing changed\n");
	} else if (first_len < PASSWORD_MIN) {
		shell_printf(ctx, "error: host passwd: at least %d characters, nothing changed\n", PASSWORD_MIN);
	} else {
		uint8_t salt[CRED_SALT_DEFAULT];
		struct password_hash h;
		char line[CRED_LINE_MAX];
		if (random_bytes(salt, sizeof salt) ||
		    credentials_hash_password(first, first_len, salt, sizeof salt, CRED_DEFAULT_ITERATIONS, &h) ||
		    credentials_format_password(&h, line, sizeof line)) {
			shell_printf(ctx, "error: host passwd: no random numbers for a salt, nothing changed\n");
		} else {
			remote_access_set_password(&h);
			log_printf("host: administrator password set on the serial console\n");
			shell_printf(ctx, "password set until the next boot; %s\n",
				     remote_access_open() ? "the network shell is open"
							  : "the network shell opens once the host has a TLS key");
			shell_printf(ctx, "to keep it across reboots, add this line to keel.cfg:\n");
			shell_printf(ctx, "admin_password = %s\n", line);
			rc = 0;
		}
	}
	memset(first, 0, sizeof first);
	memset(second, 0, sizeof second);
	return rc;
}

SHELL_COMMAND(cmd_host_passwd) = {
	.noun = "host",
	.verb = "passwd",
	.usage = "host passwd",
	.summary = "set the administrator password for the network shell (serial console only)",
	.help = "Asks twice, without echo. The password holds until the next boot and opens the network shell;\n"
		"the command prints the admin_password line that keeps it in keel.cfg.",
	.run = run_host_passwd,
	.opt_keys = (const char *const[]){ NULL },
	.opt_flags = (const char *const[]){ NULL },
};

static int run_host_key_export(struct shell_ctx *ctx, const struct shell_args *args)
{
	char b64[HOST_KEY_EXPORT_MAX];
	struct host_key *key = host_identity();
	const char *action = shell_arg_operand(args, 0);
	if (!action || strcmp(action, "export") != 0 || shell_arg_operand_count(args) != 1) {
		shell_printf(ctx, "error: usage: host key export\n");
		return -1;
	}
	if (!shell_on_console(ctx)) {
		shell_printf(ctx, "error: host key export: only on the serial console\n");
		return -1;
	}
	if (!key || host_key_export(key, b64, sizeof b64)) {
		shell_printf(ctx, "error: host key export: this host has no TLS key\n");
		return -1;
	}
	shell_printf(ctx, "# add this line to keel.cfg to keep the host key (and its fingerprint) across reboots;\n"
			  "# it is the private key: keep keel.cfg where only administrators can read it\n");
	shell_printf(ctx, "host_key = %s\n", b64);
	memset(b64, 0, sizeof b64);
	return 0;
}

SHELL_COMMAND(cmd_host_key_export) = {
	.noun = "host",
	.verb = "key",
	.usage = "host key export",
	.summary = "print the keel.cfg line that keeps the TLS host key (serial console only)",
	.run = run_host_key_export,
	.opt_keys = (const char *const[]){ NULL },
	.opt_flags = (const char *const[]){ NULL },
};
