/* The network as the rest of Keel sees it (no lwIP types): bring-up at boot, what `net show` reports per
 * interface, and the two diagnostics a user runs (ping, resolve). Addresses are host-order IPv4 integers. */
#ifndef KEEL_NET_NET_H
#define KEEL_NET_NET_H

#include <stdbool.h>
#include <stdint.h>
#include "drivers/netdev.h"
#include "net/net_config.h"

/* Reads the net_* keys of keel.cfg (each problem named in one line, then DHCP), and starts a thread that
 * finds the NICs, starts lwIP and configures every interface: eth0 static when net_address is set, every
 * other interface (and eth0 otherwise) by DHCP. Never waits for the network. Call once, after
 * settings_load. */
void net_init(void);

struct net_interface_info {
	char name[8];
	const char *driver, *irq_mode;
	uint8_t mac[6];
	bool link_up;
	bool is_static;  /* else DHCP */
	bool configured; /* has an address (static, or a DHCP lease) */
	uint32_t address, netmask, gateway;
	struct netdev_stats stats;
};

/* False before bring-up has finished probing (interfaces: 0). */
bool net_ready(void);
unsigned net_interface_count(void);
/* A snapshot of interface index; false when there is none. */
bool net_interface_get(unsigned index, struct net_interface_info *out);
/* The DNS servers in use, up to NET_DNS_MAX; returns how many. */
unsigned net_dns_servers(uint32_t out[NET_DNS_MAX]);

/* Sends one ICMP echo request (sequence seq) to addr and waits up to timeout_ms for its reply. 0 with the
 * round trip in *rtt_us; -ETIMEDOUT; -ENETUNREACH when no interface is up; -ENOMEM. Any thread but the
 * stack's. */
int net_ping(uint32_t addr, uint16_t seq, unsigned timeout_ms, uint64_t *rtt_us);
/* Looks name up (A record) through the DNS servers in use, or parses a dotted quad. 0 with *addr;
 * -ENOENT (no such name or no answer), -ETIMEDOUT, -EINVAL (bad name), -ENETUNREACH. Any thread but the
 * stack's. */
int net_resolve(const char *name, unsigned timeout_ms, uint32_t *addr);

#endif
