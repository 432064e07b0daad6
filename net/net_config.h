/* The network settings of keel.cfg (net_address, net_netmask, net_gateway, net_dns) checked and turned
 * into one IPv4 configuration, and dotted-quad text both ways. Pure logic (no kernel dependency, no lwIP):
 * unit-tested and fuzzed on the host. Addresses are host-order integers: 10.0.2.15 is 0x0a00020f. */
#ifndef KEEL_NET_CONFIG_H
#define KEEL_NET_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_DNS_MAX 2
#define NET_DEFAULT_NETMASK 0xffffff00u
#define NET_IPV4_TEXT_MAX 16 /* "255.255.255.255" and its NUL */

struct net_ip_config {
	bool is_static;     /* false: DHCP */
	uint32_t address, netmask, gateway; /* static only; gateway 0 when none */
	unsigned dns_count; /* servers from net_dns (either mode) */
	uint32_t dns[NET_DNS_MAX];
};

/* Four decimal numbers 0-255 separated by dots, nothing else (no leading zeros, no spaces, no sign). */
bool net_parse_ipv4(const char *s, uint32_t *out);
/* a.b.c.d into buf (at least NET_IPV4_TEXT_MAX bytes). Returns buf. */
char *net_format_ipv4(uint32_t addr, char *buf);
/* Ones from the top, then zeros (0.0.0.0 and 255.255.255.255 excluded). */
bool net_netmask_valid(uint32_t mask);
unsigned net_netmask_prefix(uint32_t mask);

/* Builds *out from the keel.cfg values (NULL when a key is absent). Static when address is set: netmask
 * defaults to 255.255.255.0, the gateway is optional and must lie in the subnet. net_dns is a
 * comma-separated list of at most NET_DNS_MAX addresses and applies in both modes. Returns 0, or -1 with
 * one line in err (errlen bytes; no newline) naming the bad key and value: then *out is DHCP with no DNS
 * servers of its own. */
int net_config_build(const char *address, const char *netmask, const char *gateway, const char *dns,
		     struct net_ip_config *out, char *err, size_t errlen);

#endif
