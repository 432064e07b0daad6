/* The keys keel.cfg may hold, and loading it. Later subsystems add their keys to this one table. */
#include <string.h>
#include "kernel/boot/boot_info.h"
#include "kernel/config.h"
#include "kernel/log.h"
#include "kernel/mm/phys.h"
#include "kernel/settings.h"
#include "kernel/crypto/host_key.h"
#include "shell/credentials.h"

static const struct config_key keys[] = {
	{ .name = "hostname", .type = CONFIG_STRING },
	{ .name = "log_level", .type = CONFIG_STRING },
	{ .name = "host_key", .type = CONFIG_STRING, .check = host_key_check_value },
	{ .name = "admin_password", .type = CONFIG_STRING, .check = credentials_check_password_value },
	{ .name = "admin_cert_sha256", .type = CONFIG_STRING, .repeat = true,
	  .check = credentials_check_fingerprint_value },
	/* Checked by net/net_config.c, which names a bad value and falls back to DHCP. */
	{ .name = "net_address", .type = CONFIG_STRING },
	{ .name = "net_netmask", .type = CONFIG_STRING },
	{ .name = "net_gateway", .type = CONFIG_STRING },
	{ .name = "net_dns", .type = CONFIG_STRING },
	/* The network shell (shell/net_shell.c); the session limit stays within lwIP's pcb pool (net/lwipopts.h). */
	{ .name = "shell_port", .type = CONFIG_UINT, .min = 1, .max = 65535 },
	{ .name = "shell_max_sessions", .type = CONFIG_UINT, .min = 1, .max = 64 },
};

static const char *const log_levels[] = { "error", "warn", "info", "debug" };

static struct config config;

static void report(void *ctx, unsigned line, const char *message)
{
	(void)ctx;
	log_printf("keel.cfg:%u: %s\n", line, message);
}

void settings_load(const struct boot_info *bi)
{
	const struct boot_module *m = boot_info_module(bi, "keel.cfg");
	if (!m) {
		log_printf("config: no keel.cfg module; using defaults\n");
		return;
	}
	config_parse(phys_to_virt(m->start), m->end - m->start, keys, sizeof keys / sizeof keys[0], &config, report,
		     NULL);
	const char *level = config_get(&config, "log_level");
	if (level) {
		size_t i = 0;
		while (i < sizeof log_levels / sizeof log_levels[0] && strcmp(level, log_levels[i]))
			i++;
		if (i == sizeof log_levels / sizeof log_levels[0])
			log_printf("keel.cfg: bad value for 'log_level': expected error, warn, info or debug, ignored\n");
	}
}

const char *settings_hostname(void)
{
	const char *h = config_get(&config, "hostname");
	return h && h[0] ? h : "keel";
}

const char *settings_get(const char *key)
{
	return config_get(&config, key);
}

uint64_t settings_get_uint(const char *key, uint64_t def)
{
	return config_get_uint(&config, key, def);
}

const char *settings_get_nth(const char *key, unsigned n)
{
	return config_get_nth(&config, key, n);
}