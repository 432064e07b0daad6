/* Network bring-up and the interfaces: lwIP's tcpip thread, one lwIP netif per NIC (frames copied between
 * the driver's rings and pbufs), addresses from DHCP or keel.cfg, and the snapshots `net show` reads. */
#include <errno.h>
#include <string.h>
#include "kernel/log.h"
#include "kernel/sched/thread.h"
#include "kernel/settings.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "net/net.h"
#include "netif/ethernet.h"

struct interface {
	struct netif netif;
	struct netdev *dev;
	bool is_static;
	bool had_address; /* on the tcpip thread */
	uint8_t tx_frame[NETDEV_FRAME_MAX]; /* used under the core lock only */
};

static struct interface interfaces[NETDEV_MAX];
static unsigned interface_count;
static volatile bool ready;
static struct net_ip_config config;

static void to_lwip(uint32_t a, ip4_addr_t *out) { out->addr = lwip_htonl(a); }
static uint32_t from_lwip(const ip4_addr_t *a) { return lwip_ntohl(a->addr); }

/* lwIP hands a frame (a pbuf chain) to the NIC: flattened into one buffer, copied again by the driver. */
static err_t link_output(struct netif *netif, struct pbuf *p)
{
	struct interface *i = netif->state;
	if (p->tot_len > sizeof i->tx_frame) {
		i->dev->stats.tx_errors++;
		return ERR_BUF;
	}
	pbuf_copy_partial(p, i->tx_frame, p->tot_len, 0);
	int r = i->dev->ops->transmit(i->dev, i->tx_frame, p->tot_len);
	return r == 0 ? ERR_OK : r == -EAGAIN ? ERR_MEM : ERR_IF;
}

/* The NIC's worker thread delivers a frame: into a pool pbuf, posted to the tcpip thread. */
static void receive(struct netdev *dev, const void *frame, size_t len)
{
	struct interface *i = dev->stack_ctx;
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (!p) {
		dev->stats.rx_dropped++;
		return;
	}
	pbuf_take(p, frame, (u16_t)len);
	if (i->netif.input(p, &i->netif) != ERR_OK) {
		pbuf_free(p);
		dev->stats.rx_dropped++;
	}
}

static void link_changed(struct netdev *dev, bool up)
{
	struct interface *i = dev->stack_ctx;
	LOCK_TCPIP_CORE();
	if (up)
		netif_set_link_up(&i->netif);
	else
		netif_set_link_down(&i->netif);
	UNLOCK_TCPIP_CORE();
}

static void apply_dns(void)
{
	for (unsigned k = 0; k < config.dns_count; k++) {
		ip_addr_t a;
		to_lwip(config.dns[k], ip_2_ip4(&a));
		IP_SET_TYPE_VAL(a, IPADDR_TYPE_V4);
		dns_setserver((u8_t)k, &a);
	}
}

/* Runs on the tcpip thread whenever an address is set or lost. */
static void on_status(struct netif *netif)
{
	struct interface *i = netif->state;
	char a[NET_IPV4_TEXT_MAX], g[NET_IPV4_TEXT_MAX];
	uint32_t addr = from_lwip(netif_ip4_addr(netif));
	if (!addr) {
		if (i->had_address)
			log_printf("net: %s: address lost\n", i->dev->name);
		i->had_address = false;
		return;
	}
	i->had_address = true;
	/* A lease brings its own DNS servers; those of keel.cfg win. */
	apply_dns();
	uint32_t gw = from_lwip(netif_ip4_gw(netif));
	log_printf("net: %s: address %s/%u, gateway %s (%s)\n", i->dev->name, net_format_ipv4(addr, a),
		   net_netmask_prefix(from_lwip(netif_ip4_netmask(netif))), gw ? net_format_ipv4(gw, g) : "none",
		   i->is_static ? "static" : "dhcp");
}

static err_t netif_setup(struct netif *netif)
{
	struct interface *i = netif->state;
	netif->name[0] = 'e';
	netif->name[1] = 't';
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, i->dev->mac, ETH_HWADDR_LEN);
	netif->mtu = NETDEV_MTU;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	netif->output = etharp_output;
	netif->linkoutput = link_output;
	netif_set_hostname(netif, settings_hostname());
	return ERR_OK;
}

static void add_interface(struct netdev *dev)
{
	struct interface *i = &interfaces[interface_count];
	i->dev = dev;
	i->is_static = interface_count == 0 && config.is_static;
	ip4_addr_t addr = { 0 }, mask = { 0 }, gw = { 0 };
	if (i->is_static) {
		to_lwip(config.address, &addr);
		to_lwip(config.netmask, &mask);
		to_lwip(config.gateway, &gw);
	}
	dev->receive = receive;
	dev->link_changed = link_changed;
	dev->stack_ctx = i;

	LOCK_TCPIP_CORE();
	netif_add(&i->netif, &addr, &mask, &gw, i, netif_setup, tcpip_input);
	netif_set_status_callback(&i->netif, on_status);
	if (interface_count == 0)
		netif_set_default(&i->netif);
	netif_set_up(&i->netif);
	if (!i->is_static)
		dhcp_start(&i->netif); /* it waits for the link */
	UNLOCK_TCPIP_CORE();
	interface_count++;
	if (netdev_start(dev))
		log_printf("net: %s: no memory for its worker thread\n", dev->name);
}

static void on_tcpip_started(void *arg) { sys_sem_signal(arg); }

static void bring_up(void *arg)
{
	(void)arg;
	netdev_probe_all();
	if (netdev_count() == 0) {
		log_printf("net: no network interfaces\n");
		ready = true;
		return;
	}
	sys_sem_t started;
	sys_sem_new(&started, 0);
	tcpip_init(on_tcpip_started, &started);
	sys_arch_sem_wait(&started, 0);
	LOCK_TCPIP_CORE();
	apply_dns();
	UNLOCK_TCPIP_CORE();
	for (unsigned k = 0; k < netdev_count(); k++)
		add_interface(netdev_get(k));
	ready = true;
}

void net_init(void)
{
	char err[200];
	if (net_config_build(settings_get("net_address"), settings_get("net_netmask"),
			     settings_get("net_gateway"), settings_get("net_dns"), &config, err, sizeof err))
		log_printf("%s\n", err);
	if (!thread_create("net-init", bring_up, NULL, -1))
		log_printf("net: cannot start the network thread; no network\n");
}

bool net_ready(void) { return ready; }
unsigned net_interface_count(void) { return ready ? interface_count : 0; }

bool net_interface_get(unsigned index, struct net_interface_info *out)
{
	if (!ready || index >= interface_count)
		return false;
	struct interface *i = &interfaces[index];
	struct netdev *dev = i->dev;
	*out = (struct net_interface_info){ .driver = dev->driver, .irq_mode = dev->irq_mode, .link_up = dev->link,
					    .is_static = i->is_static, .stats = dev->stats };
	memcpy(out->name, dev->name, sizeof out->name);
	memcpy(out->mac, dev->mac, sizeof out->mac);
	LOCK_TCPIP_CORE();
	out->address = from_lwip(netif_ip4_addr(&i->netif));
	out->netmask = from_lwip(netif_ip4_netmask(&i->netif));
	out->gateway = from_lwip(netif_ip4_gw(&i->netif));
	UNLOCK_TCPIP_CORE();
	out->configured = out->address != 0;
	return true;
}

unsigned net_dns_servers(uint32_t out[NET_DNS_MAX])
{
	if (!ready || !interface_count)
		return 0;
	unsigned n = 0;
	LOCK_TCPIP_CORE();
	for (u8_t k = 0; k < NET_DNS_MAX && k < DNS_MAX_SERVERS; k++) {
		const ip_addr_t *a = dns_getserver(k);
		if (!ip_addr_isany(a))
			out[n++] = from_lwip(ip_2_ip4(a));
	}
	UNLOCK_TCPIP_CORE();
	return n;
}
