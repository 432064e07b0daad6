/* net show, net ping, net resolve. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "kernel/config.h"
#include "net/net.h"
#include "shell/json.h"
#include "shell/registry.h"

#define PING_TIMEOUT_MS 1000
#define PING_COUNT_DEFAULT 3
#define PING_COUNT_MAX 100
#define RESOLVE_TIMEOUT_MS 10000

static const char *const json_flag[] = { "json", NULL };

static void format_mac(const uint8_t *m, char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void json_kv_ipv4(struct json_writer *w, const char *key, uint32_t addr)
{
	char text[NET_IPV4_TEXT_MAX];
	if (addr)
		json_kv_string(w, key, net_format_ipv4(addr, text));
	else
		json_kv_null(w, key);
}

static int show_json(struct shell_ctx *ctx)
{
	char buf[4096], text[NET_IPV4_TEXT_MAX], mac[18];
	struct json_writer w;
	json_init(&w, buf, sizeof buf);
	json_object_begin(&w);
	json_kv_bool(&w, "ready", net_ready());
	json_key(&w, "interfaces");
	json_array_begin(&w);
	struct net_interface_info in;
	for (unsigned k = 0; net_interface_get(k, &in); k++) {
		json_object_begin(&w);
		json_kv_string(&w, "name", in.name);
		json_kv_string(&w, "driver", in.driver);
		format_mac(in.mac, mac);
		json_kv_string(&w, "mac", mac);
		json_kv_bool(&w, "link_up", in.link_up);
		json_kv_string(&w, "interrupts", in.irq_mode);
		json_kv_string(&w, "config", in.is_static ? "static" : "dhcp");
		json_kv_bool(&w, "configured", in.configured);
		json_kv_ipv4(&w, "address", in.address);
		json_kv_ipv4(&w, "netmask", in.configured ? in.netmask : 0);
		if (in.configured)
			json_kv_uint(&w, "prefix", net_netmask_prefix(in.netmask));
		else
			json_kv_null(&w, "prefix");
		json_kv_ipv4(&w, "gateway", in.gateway);
		json_kv_uint(&w, "rx_packets", in.stats.rx_packets);
		json_kv_uint(&w, "rx_bytes", in.stats.rx_bytes);
		json_kv_uint(&w, "rx_dropped", in.stats.rx_dropped);
		json_kv_uint(&w, "rx_errors", in.stats.rx_errors);
		json_kv_uint(&w, "tx_packets", in.stats.tx_packets);
		json_kv_uint(&w, "tx_bytes", in.stats.tx_bytes);
		json_kv_uint(&w, "tx_dropped", in.stats.tx_dropped);
		json_kv_uint(&w, "tx_errors", in.stats.tx_errors);
		json_object_end(&w);
	}
	json_array_end(&w);
	json_key(&w, "dns");
	json_array_begin(&w);
	uint32_t dns[NET_DNS_MAX];
	unsigned n = net_dns_servers(dns);
	for (unsigned k = 0; k < n; k++)
		json_string(&w, net_format_ipv4(dns[k], text));
	json_array_end(&w);
	json_object_end(&w);
	if (json_finish(&w)) {
		shell_printf(ctx, "error: net show: JSON output too large\n");
		return -1;
	}
	shell_printf(ctx, "%s\n", buf);
	return 0;
}

static int run_net_show(struct shell_ctx *ctx, const struct shell_args *args)
{
	if (shell_arg_flag(args, "json"))
		return show_json(ctx);
	if (!net_ready()) {
		shell_printf(ctx, "network starting: interfaces not probed yet\n");
		return 0;
	}
	struct net_interface_info in;
	char a[NET_IPV4_TEXT_MAX], g[NET_IPV4_TEXT_MAX], mac[18];
	unsigned k = 0;
	for (; net_interface_get(k, &in); k++) {
		format_mac(in.mac, mac);
		shell_printf(ctx, "%-6s %s, MAC %s, link %s, interrupts %s\n", in.name, in.driver, mac,
			     in.link_up ? "up" : "down", in.irq_mode);
		if (in.configured)
			shell_printf(ctx, "       address %s/%u, gateway %s (%s)\n", net_format_ipv4(in.address, a),
				     net_netmask_prefix(in.netmask), in.gateway ? net_format_ipv4(in.gateway, g) : "none",
				     in.is_static ? "static" : "dhcp");
		else
			shell_printf(ctx, "       no address yet (%s)\n", in.is_static ? "static" : "dhcp");
		const struct netdev_stats *s = &in.stats;
		shell_printf(ctx, "       rx %llu packets, %llu bytes, %llu dropped, %llu errors\n",
			     (unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
			     (unsigned long long)s->rx_dropped, (unsigned long long)s->rx_errors);
		shell_printf(ctx, "       tx %llu packets, %llu bytes, %llu dropped, %llu errors\n",
			     (unsigned long long)s->tx_packets, (unsigned long long)s->tx_bytes,
			     (unsigned long long)s->tx_dropped, (unsigned long long)s->tx_errors);
	}
	if (k == 0) {
		shell_printf(ctx, "no network interfaces\n");
		return 0;
	}
	uint32_t dns[NET_DNS_MAX];
	unsigned n = net_dns_servers(dns);
	shell_printf(ctx, "dns    %s%s%s\n", n ? net_format_ipv4(dns[0], a) : "none", n > 1 ? ", " : "",
		     n > 1 ? net_format_ipv4(dns[1], g) : "");
	return 0;
}

SHELL_COMMAND(cmd_net_show) = {
	.noun = "net",
	.verb = "show",
	.usage = "net show [--json]",
	.summary = "network interfaces: driver, MAC, link, address (DHCP or static), DNS, packet counters",
	.run = run_net_show,
	.opt_keys = (const char *const[]){ NULL },
	.opt_flags = json_flag,
};

static const char *strerr(int err)
{
	switch (err) {
	case -ETIMEDOUT: return "no answer in time";
	case -ENOENT: return "no such name";
	case -ENETUNREACH: return "network unreachable (no interface with an address and its link up)";
	case -EINVAL: return "not a valid name";
	default: return "out of memory";
	}
}

/* A dotted quad, or a name looked up through DNS; prints the error itself. */
static int target_address(struct shell_ctx *ctx, const char *verb, const char *target, uint32_t *addr)
{
	int err = net_resolve(target, RESOLVE_TIMEOUT_MS, addr);
	if (err)
		shell_printf(ctx, "error: net %s: cannot resolve '%.64s': %s\n", verb, target, strerr(err));
	return err;
}

static int run_net_ping(struct shell_ctx *ctx, const struct shell_args *args)
{
	const char *target = shell_arg_operand(args, 0);
	if (!target || shell_arg_operand_count(args) != 1) {
		shell_printf(ctx, "error: usage: net ping ADDRESS [count=N] [--json]\n");
		return -1;
	}
	uint64_t count = PING_COUNT_DEFAULT;
	const char *v = shell_arg_value(args, "count");
	if (v && (!config_parse_number(v, strlen(v), &count) || count < 1 || count > PING_COUNT_MAX)) {
		shell_printf(ctx, "error: net ping: count must be a number from 1 to %d\n", PING_COUNT_MAX);
		return -1;
	}
	uint32_t addr;
	if (target_address(ctx, "ping", target, &addr))
		return -1;
	bool json = shell_arg_flag(args, "json");
	char a[NET_IPV4_TEXT_MAX];
	net_format_ipv4(addr, a);
	uint64_t rtts[PING_COUNT_MAX];
	unsigned received = 0;
	for (unsigned seq = 1; seq <= count; seq++) {
		uint64_t rtt;
		int err = net_ping(addr, (uint16_t)seq, PING_TIMEOUT_MS, &rtt);
		if (err == -ENETUNREACH || err == -ENOMEM) {
			shell_printf(ctx, "error: net ping %s: %s\n", a, strerr(err));
			return -1;
		}
		if (!err)
			rtts[received++] = rtt;
		if (json)
			continue;
		if (err)
			shell_printf(ctx, "no reply from %s: seq=%u\n", a, seq);
		else
			shell_printf(ctx, "reply from %s: seq=%u time=%llu.%03llu ms\n", a, seq,
				     (unsigned long long)(rtt / 1000), (unsigned long long)(rtt % 1000));
	}
	if (json) {
		char buf[2048];
		struct json_writer w;
		json_init(&w, buf, sizeof buf);
		json_object_begin(&w);
		json_kv_string(&w, "address", a);
		json_kv_uint(&w, "sent", count);
		json_kv_uint(&w, "received", received);
		json_key(&w, "rtt_us");
		json_array_begin(&w);
		for (unsigned k = 0; k < received; k++)
			json_uint(&w, rtts[k]);
		json_array_end(&w);
		json_object_end(&w);
		if (json_finish(&w)) {
			shell_printf(ctx, "error: net ping: JSON output too large\n");
			return -1;
		}
		shell_printf(ctx, "%s\n", buf);
		return 0;
	}
	shell_printf(ctx, "%llu sent, %u received\n", (unsigned long long)count, received);
	if (!received) {
		shell_printf(ctx, "error: net ping: no reply from %s\n", a);
		return -1;
	}
	return 0;
}

SHELL_COMMAND(cmd_net_ping) = {
	.noun = "net",
	.verb = "ping",
	.usage = "net ping ADDRESS [count=N] [--json]",
	.summary = "send ICMP echo requests (1 s each, default 3) and show the replies",
	.run = run_net_ping,
	.opt_keys = (const char *const[]){ "count", NULL },
	.opt_flags = json_flag,
};

static int run_net_resolve(struct shell_ctx *ctx, const struct shell_args *args)
{
	const char *name = shell_arg_operand(args, 0);
	if (!name || shell_arg_operand_count(args) != 1) {
		shell_printf(ctx, "error: usage: net resolve NAME [--json]\n");
		return -1;
	}
	uint32_t addr;
	if (target_address(ctx, "resolve", name, &addr))
		return -1;
	char a[NET_IPV4_TEXT_MAX];
	net_format_ipv4(addr, a);
	if (shell_arg_flag(args, "json")) {
		char buf[512];
		struct json_writer w;
		json_init(&w, buf, sizeof buf);
		json_object_begin(&w);
		json_kv_string(&w, "name", name);
		json_kv_string(&w, "address", a);
		json_object_end(&w);
		if (json_finish(&w)) {
			shell_printf(ctx, "error: net resolve: JSON output too large\n");
			return -1;
		}
		shell_printf(ctx, "%s\n", buf);
	} else {
		shell_printf(ctx, "%.200s has address %s\n", name, a);
	}
	return 0;
}

SHELL_COMMAND(cmd_net_resolve) = {
	.noun = "net",
	.verb = "resolve",
	.usage = "net resolve NAME [--json]",
	.summary = "look a name up through the DNS servers in use",
	.run = run_net_resolve,
	.opt_keys = (const char *const[]){ NULL },
	.opt_flags = json_flag,
};
