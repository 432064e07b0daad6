/* Unit tests for net/net_config.c: dotted quads both ways, netmasks, and every rule of keel.cfg's network
 * keys with the message each bad value gets. */
#include "../../net/net_config.h"

#include <stdint.h>
#include <string.h>

#include "check.h"

static void test_parse_ipv4(void)
{
	uint32_t a = 0;
	CHECK(net_parse_ipv4("10.0.2.15", &a));
	CHECK_EQ(a, 0x0a00020f);
	CHECK(net_parse_ipv4("0.0.0.0", &a));
	CHECK_EQ(a, 0);
	CHECK(net_parse_ipv4("255.255.255.255", &a));
	CHECK_EQ(a, 0xffffffffu);
	static const char *const bad[] = { "", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4",
					   "01.2.3.4", "1..3.4", "1.2.3.", ".1.2.3", "1.2.3.4x", "-1.2.3.4",
					   "1.2.3.1000", "1234.1.1.1", "a.b.c.d", "1.2.3.+4", "00.0.0.0" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		a = 0x12345678;
		if (!CHECK(!net_parse_ipv4(bad[i], &a)))
			printf("  accepted '%s'\n", bad[i]);
		CHECK_EQ(a, 0x12345678);
	}
}

static void test_format_ipv4(void)
{
	char buf[NET_IPV4_TEXT_MAX];
	CHECK_STR(net_format_ipv4(0x0a00020f, buf), "10.0.2.15");
	CHECK_STR(net_format_ipv4(0xffffffffu, buf), "255.255.255.255");
	CHECK_STR(net_format_ipv4(0, buf), "0.0.0.0");
}

static void test_netmask(void)
{
	CHECK(net_netmask_valid(0xffffff00u));
	CHECK(net_netmask_valid(0x80000000u));
	CHECK(net_netmask_valid(0xfffffffeu));
	CHECK(!net_netmask_valid(0));
	CHECK(!net_netmask_valid(0xffffffffu));
	CHECK(!net_netmask_valid(0xff00ff00u));
	CHECK(!net_netmask_valid(0x000000ffu));
	CHECK_EQ(net_netmask_prefix(0xffffff00u), 24);
	CHECK_EQ(net_netmask_prefix(0xfffff000u), 20);
	CHECK_EQ(net_netmask_prefix(0), 0);
	CHECK_EQ(net_netmask_prefix(0xffffffffu), 32);
}

static void test_dhcp_by_default(void)
{
	struct net_ip_config c;
	char err[200];
	CHECK_EQ(net_config_build(NULL, NULL, NULL, NULL, &c, err, sizeof err), 0);
	CHECK(!c.is_static);
	CHECK_EQ(c.dns_count, 0);
	CHECK_STR(err, "");
	CHECK_EQ(net_config_build("", "", "", "", &c, err, sizeof err), 0);
	CHECK(!c.is_static);
	/* DNS servers of our own apply under DHCP too. */
	CHECK_EQ(net_config_build(NULL, NULL, NULL, "1.1.1.1, 9.9.9.9", &c, err, sizeof err), 0);
	CHECK(!c.is_static);
	CHECK_EQ(c.dns_count, 2);
	CHECK_EQ(c.dns[0], 0x01010101);
	CHECK_EQ(c.dns[1], 0x09090909);
}

static void test_static(void)
{
	struct net_ip_config c;
	char err[200];
	CHECK_EQ(net_config_build("10.0.2.20", "255.255.255.0", "10.0.2.2", "10.0.2.3", &c, err, sizeof err), 0);
	CHECK(c.is_static);
	CHECK_EQ(c.address, 0x0a000214);
	CHECK_EQ(c.netmask, 0xffffff00u);
	CHECK_EQ(c.gateway, 0x0a000202);
	CHECK_EQ(c.dns_count, 1);
	CHECK_EQ(c.dns[0], 0x0a000203);
	/* The netmask defaults to /24; the gateway is optional. */
	CHECK_EQ(net_config_build("192.168.1.7", NULL, NULL, NULL, &c, err, sizeof err), 0);
	CHECK(c.is_static);
	CHECK_EQ(c.netmask, NET_DEFAULT_NETMASK);
	CHECK_EQ(c.gateway, 0);
	CHECK_EQ(net_config_build("172.16.5.1", "255.255.0.0", "172.16.0.1", NULL, &c, err, sizeof err), 0);
	CHECK_EQ(c.gateway, 0xac100001);
}

static void expect_error(const char *addr, const char *mask, const char *gw, const char *dns, const char *want)
{
	struct net_ip_config c;
	char err[200];
	c.is_static = true;
	c.dns_count = 1;
	CHECK_EQ(net_config_build(addr, mask, gw, dns, &c, err, sizeof err), -1);
	CHECK(!c.is_static);
	CHECK_EQ(c.dns_count, 0);
	CHECK_STR(err, want);
}

static void test_errors(void)
{
	expect_error("10.0.2", NULL, NULL, NULL, "keel.cfg: bad value for 'net_address': '10.0.2' is not an IPv4 address; using DHCP");
	expect_error("10.0.2.20", "255.0.255.0", NULL, NULL,
		     "keel.cfg: bad value for 'net_netmask': '255.0.255.0' is not a netmask; using DHCP");
	expect_error("10.0.2.20", "255.255.255.255", NULL, NULL,
		     "keel.cfg: bad value for 'net_netmask': '255.255.255.255' is not a netmask; using DHCP");
	expect_error("10.0.2.0", NULL, NULL, NULL,
		     "keel.cfg: bad value for 'net_address': '10.0.2.0' is not a host address in its subnet; using DHCP");
	expect_error("10.0.2.255", NULL, NULL, NULL,
		     "keel.cfg: bad value for 'net_address': '10.0.2.255' is not a host address in its subnet; using DHCP");
	expect_error("127.0.0.5", NULL, NULL, NULL,
		     "keel.cfg: bad value for 'net_address': '127.0.0.5' is not a host address in its subnet; using DHCP");
	expect_error("224.0.0.5", NULL, NULL, NULL,
		     "keel.cfg: bad value for 'net_address': '224.0.0.5' is not a host address in its subnet; using DHCP");
	expect_error("10.0.2.20", NULL, "10.0.3.1", NULL,
		     "keel.cfg: bad value for 'net_gateway': '10.0.3.1' is not another host of the subnet; using DHCP");
	expect_error("10.0.2.20", NULL, "10.0.2.20", NULL,
		     "keel.cfg: bad value for 'net_gateway': '10.0.2.20' is not another host of the subnet; using DHCP");
	expect_error("10.0.2.20", NULL, "gateway", NULL,
		     "keel.cfg: bad value for 'net_gateway': 'gateway' is not an IPv4 address; using DHCP");
	expect_error(NULL, "255.255.255.0", NULL, NULL,
		     "keel.cfg: bad value for 'net_netmask': '255.255.255.0' needs net_address; using DHCP");
	expect_error(NULL, NULL, "10.0.2.2", NULL,
		     "keel.cfg: bad value for 'net_gateway': '10.0.2.2' needs net_address; using DHCP");
	expect_error(NULL, NULL, NULL, "1.1.1.1,",
		     "keel.cfg: bad value for 'net_dns': '1.1.1.1,' is not a list of IPv4 addresses; using DHCP");
	expect_error(NULL, NULL, NULL, "1.1.1.1,2.2.2.2,3.3.3.3",
		     "keel.cfg: bad value for 'net_dns': '1.1.1.1,2.2.2.2,3.3.3.3' names more than 2 servers; using DHCP");
	expect_error("10.0.2.20", NULL, NULL, "dns.example",
		     "keel.cfg: bad value for 'net_dns': 'dns.example' is not a list of IPv4 addresses; using DHCP");
	/* A long value is quoted only in part. */
	expect_error("1111111111222222222233333333334444444444555", NULL, NULL, NULL,
		     "keel.cfg: bad value for 'net_address': '1111111111222222222233333333334444444444' is not an IPv4 address; using DHCP");
}

int main(void)
{
	test_parse_ipv4();
	test_format_ipv4();
	test_netmask();
	test_dhcp_by_default();
	test_static();
	test_errors();
	return check_summary();
}
