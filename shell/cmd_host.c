/* host show, host reboot, host poweroff. */
#include <stdio.h>
#include <string.h>
#include "kernel/acpi.h"
#include "kernel/cpu/features.h"
#include "kernel/cpu/percpu.h"
#include "kernel/crypto/host_identity.h"
#include "kernel/log.h"
#include "kernel/mm/phys.h"
#include "kernel/settings.h"
#include "kernel/time.h"
#include "kernel/version.h"
#include "kernel/wallclock.h"
#include "shell/json.h"
#include "shell/net_shell.h"
#include "shell/registry.h"
#include "shell/remote_access.h"

struct feature {
	const char *name;
	const bool *present;
};

static const struct feature features[] = {
	{ "nx", &cpu_features.nx },       { "pdpe1gb", &cpu_features.pdpe1gb },
	{ "xsave", &cpu_features.xsave }, { "rdrand", &cpu_features.rdrand },
	{ "x2apic", &cpu_features.x2apic }, { "invariant_tsc", &cpu_features.invariant_tsc },
	{ "svm", &cpu_features.svm },     { "npt", &cpu_features.npt },
	{ "nrip_save", &cpu_features.nrip_save }, { "vmx", &cpu_features.vmx },
	{ "ept", &cpu_features.ept },
};
#define FEATURE_COUNT (sizeof features / sizeof features[0])

static int show_json(struct shell_ctx *ctx)
{
	char buf[1024];
	struct json_writer w;
	json_init(&w, buf, sizeof buf);
	json_object_begin(&w);
	json_kv_string(&w, "hostname", settings_hostname());
	json_kv_string(&w, "version", KEEL_VERSION);
	json_kv_uint(&w, "cpus_online", cpus_online);
	json_kv_uint(&w, "cpus_present", cpu_count);
	json_kv_uint(&w, "mem_total_bytes", phys_total_bytes());
	json_kv_uint(&w, "mem_free_bytes", phys_free_bytes());
	const char *virt = cpu_virtualization_name();
	if (virt) {
		json_kv_string(&w, "virtualization", virt);
		json_kv_null(&w, "virtualization_missing");
	} else {
		json_kv_null(&w, "virtualization");
		json_kv_string(&w, "virtualization_missing", cpu_features.virtualization_missing);
	}
	json_kv_string(&w, "cpu_vendor", cpu_features.vendor);
	json_key(&w, "features");
	json_array_begin(&w);
	for (size_t i = 0; i < FEATURE_COUNT; i++)
		if (*features[i].present)
			json_string(&w, features[i].name);
	json_array_end(&w);
	json_kv_uint(&w, "uptime_ms", time_uptime_ms());
	json_kv_uint(&w, "time_unix", wallclock_unix_seconds());
	json_kv_string(&w, "host_key_sha256", host_identity_fingerprint());
	json_kv_bool(&w, "host_key_persistent", host_identity_persistent());
	json_kv_bool(&w, "network_shell_open", remote_access_open());
	json_kv_uint(&w, "network_shell_connections", net_shell_connections());
	json_object_end(&w);
	if (json_finish(&w)) {
		shell_printf(ctx, "error: host show: JSON output too large\n");
		return -1;
	}
	shell_printf(ctx, "%s\n", buf);
	return 0;
}

static int run_host_show(struct shell_ctx *ctx, const struct shell_args *args)
{
	if (shell_arg_flag(args, "json"))
		return show_json(ctx);
	uint64_t up = time_uptime_ms();
	shell_printf(ctx, "hostname        %s\n", settings_hostname());
	shell_printf(ctx, "version         Keel %s\n", KEEL_VERSION);
	shell_printf(ctx, "cpus            %u online of %u\n", cpus_online, cpu_count);
	shell_printf(ctx, "memory          %llu MiB total, %llu MiB free\n",
		     (unsigned long long)(phys_total_bytes() >> 20), (unsigned long long)(phys_free_bytes() >> 20));
	const char *virt = cpu_virtualization_name();
	if (virt)
		shell_printf(ctx, "virtualization  %s\n", virt);
	else
		shell_printf(ctx, "virtualization  unavailable: %s\n", cpu_features.virtualization_missing);
	char list[256] = "";
	for (size_t i = 0; i < FEATURE_COUNT; i++) {
		if (*features[i].present) {
			strcat(list, " ");
			strcat(list, features[i].name);
		}
	}
	shell_printf(ctx, "cpu             %s,%s\n", cpu_features.vendor, list);
	shell_printf(ctx, "uptime          %llu.%03llu s\n", (unsigned long long)(up / 1000),
		     (unsigned long long)(up % 1000));
	const char *fp = host_identity_fingerprint();
	if (fp)
		shell_printf(ctx, "host key        sha256 %s (%s)\n", fp,
			     host_identity_persistent() ? "from keel.cfg" : "this boot only");
	else
		shell_printf(ctx, "host key        none\n");
	unsigned connections = net_shell_connections();
	shell_printf(ctx, "network shell   %s, %u connection%s\n", remote_access_open() ? "open" : "closed",
		     connections, connections == 1 ? "" : "s");
	return 0;
}

SHELL_COMMAND(cmd_host_show) = {
	.noun = "host",
	.verb = "show",
	.usage = "host show [--json]",
	.summary = "CPUs, memory, virtualization support, uptime, version and TLS host key of this host",
	.run = run_host_show,
	.opt_keys = (const char *const[]){ NULL },
	.opt_flags = (const char *const[]){ "json", NULL },
};

static int run_host_reboot(struct shell_ctx *ctx, const struct shell_args *args)
{
	(void)args;
	shell_printf(ctx, "rebooting\n");
	log_printf("host: reboot requested from the shell\n");
	acpi_reset();
}

SHELL_COMMAND(cmd_host_reboot) = {
	.noun = "host",
	.verb = "reboot",
	.usage = "host reboot",
	.summary = "restart the machine now (running VMs stop)",
	.run = run_host_reboot,
	.opt_keys = (const char *const[]){ NULL },
	.opt_flags = (const char *const[]){ NULL },
};

static int run_host_poweroff(struct shell_ctx *ctx, const struct shell_args *args)
{
	(void)args;
	shell_printf(ctx, "powering off\n");
	log_printf("host: power off requested from the shell\n");
	acpi_power_off();
	shell_printf(ctx, "error: power off failed: %s\n",
		     acpi.s5_found ? "the firmware ignored the ACPI S5 request" : "no ACPI \\_S5 object found");
	return -1;
}

SHELL_COMMAND(cmd_host_poweroff) = {
	.noun = "host",
	.verb = "poweroff",
	.usage = "host poweroff",
	.summary = "turn the machine off through ACPI (running VMs stop)",
	.run = run_host_poweroff,
	.opt_keys = (const char *const[]){ NULL },
	.opt_flags = (const char *const[]){ NULL },
};
