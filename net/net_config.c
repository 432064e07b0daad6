/* Checking keel.cfg's network keys: strict dotted quads, contiguous netmasks, a gateway inside the subnet,
 * and a short DNS server list; any problem falls back to DHCP with one message. */
#include "net_config.h"

#include <stdio.h>
#include <string.h>

bool net_parse_ipv4(const char *s, uint32_t *out)
{
	uint32_t addr = 0;
	for (int part = 0; part < 4; part++) {
		if (part > 0 && *s++ != '.')
			return false;
		if (*s < '0' || *s > '9')
			return false;
		unsigned v = 0, digits = 0;
		const char *start = s;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (v > 255 || digits > 3 || (digits > 1 && *start == '0'))
			return false;
		addr = addr << 8 | v;
	}
	if (*s)
		return false;
	*out = addr;
	return true;
}

char *net_format_ipv4(uint32_t a, char *buf)
{
	snprintf(buf, NET_IPV4_TEXT_MAX, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

bool net_netmask_valid(uint32_t mask)
{
	return mask != 0 && mask != 0xffffffffu && ((~mask + 1) & ~mask) == 0;
}

unsigned net_netmask_prefix(uint32_t mask)
{
	unsigned n = 0;
	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	return n;
}

#define VALUE_SHOWN 40 /* bytes of a bad value quoted in the message */

static int fail(struct net_ip_config *out, char *err, size_t errlen, const char *key, const char *value,
		const char *why)
{
	*out = (struct net_ip_config){ 0 };
	snprintf(err, errlen, "keel.cfg: bad value for '%s': '%.*s' %s; using DHCP", key, VALUE_SHOWN, value, why);
	return -1;
}

static int parse_dns(const char *list, struct net_ip_config *out, char *err, size_t errlen)
{
	const char *p = list;
	for (;;) {
		char item[NET_IPV4_TEXT_MAX];
		size_t n = strcspn(p, ",");
		while (n && *p == ' ')
			p++, n--;
		while (n && p[n - 1] == ' ')
			n--;
		uint32_t addr;
		if (n == 0 || n >= sizeof item)
			return fail(out, err, errlen, "net_dns", list, "is not a list of IPv4 addresses");
		memcpy(item, p, n);
		item[n] = 0;
		if (!net_parse_ipv4(item, &addr))
			return fail(out, err, errlen, "net_dns", list, "is not a list of IPv4 addresses");
		if (out->dns_count == NET_DNS_MAX)
			return fail(out, err, errlen, "net_dns", list, "names more than 2 servers");
		out->dns[out->dns_count++] = addr;
		p += strcspn(p, ",");
		if (!*p)
			return 0;
		p++;
	}
}

int net_config_build(const char *address, const char *netmask, const char *gateway, const char *dns,
		     struct net_ip_config *out, char *err, size_t errlen)
{
	*out = (struct net_ip_config){ 0 };
	if (err && errlen)
		err[0] = 0;
	if (dns && *dns && parse_dns(dns, out, err, errlen))
		return -1;
	if (!address || !*address) {
		if (netmask && *netmask)
			return fail(out, err, errlen, "net_netmask", netmask, "needs net_address");
		if (gateway && *gateway)
			return fail(out, err, errlen, "net_gateway", gateway, "needs net_address");
		return 0;
	}
	uint32_t a, m = NET_DEFAULT_NETMASK, g = 0;
	if (!net_parse_ipv4(address, &a))
		return fail(out, err, errlen, "net_address", address, "is not an IPv4 address");
	if (netmask && *netmask && (!net_parse_ipv4(netmask, &m) || !net_netmask_valid(m)))
		return fail(out, err, errlen, "net_netmask", netmask, "is not a netmask");
	if ((a & ~m) == 0 || (a & ~m) == ~m || a >> 24 == 0 || a >> 24 == 127 || a >> 28 >= 14)
		return fail(out, err, errlen, "net_address", address, "is not a host address in its subnet");
	if (gateway && *gateway) {
		if (!net_parse_ipv4(gateway, &g))
			return fail(out, err, errlen, "net_gateway", gateway, "is not an IPv4 address");
		if ((g & m) != (a & m) || g == a || (g & ~m) == 0 || (g & ~m) == ~m)
			return fail(out, err, errlen, "net_gateway", gateway, "is not another host of the subnet");
	}
	out->is_static = true;
	out->address = a;
	out->netmask = m;
	out->gateway = g;
	return 0;
}
