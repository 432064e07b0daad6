/* Name lookups through lwIP's DNS client. The request's state is on the heap: when the caller gives up
 * first, lwIP's later callback frees it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/arch.h"
#include "kernel/sched/semaphore.h"
#include "kernel/time.h"
#include "lwip/dns.h"
#include "lwip/tcpip.h"
#include "net/net.h"

struct lookup {
	struct semaphore done;
	bool finished, abandoned, found; /* under the core lock */
	uint32_t addr;
};

/* On the tcpip thread (core lock held). */
static void on_found(const char *name, const ip_addr_t *addr, void *arg)
{
	(void)name;
	struct lookup *l = arg;
	if (l->abandoned) {
		free(l);
		return;
	}
	l->finished = true;
	if (addr && IP_IS_V4(addr)) {
		l->found = true;
		l->addr = lwip_ntohl(ip_2_ip4(addr)->addr);
	}
	semaphore_up(&l->done);
}

int net_resolve(const char *name, unsigned timeout_ms, uint32_t *addr)
{
	if (!*name || strlen(name) >= DNS_MAX_NAME_LENGTH)
		return -EINVAL;
	if (net_parse_ipv4(name, addr))
		return 0;
	if (!net_interface_count())
		return -ENETUNREACH;
	struct lookup *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	semaphore_init(&l->done, 0);
	ip_addr_t result;
	uint64_t deadline = rdtsc() + time_tsc_hz() / 1000 * timeout_ms;

	LOCK_TCPIP_CORE();
	err_t err = dns_gethostbyname(name, &result, on_found, l);
	UNLOCK_TCPIP_CORE();
	if (err == ERR_OK) { /* cached */
		*addr = lwip_ntohl(ip_2_ip4(&result)->addr);
		free(l);
		return 0;
	}
	if (err != ERR_INPROGRESS) {
		free(l);
		return err == ERR_ARG ? -EINVAL : -ENOMEM;
	}
	semaphore_down_until(&l->done, deadline);
	LOCK_TCPIP_CORE();
	int r;
	if (!l->finished) {
		l->abandoned = true; /* on_found frees it */
		r = -ETIMEDOUT;
	} else {
		r = l->found ? 0 : -ENOENT;
		*addr = l->addr;
		free(l);
	}
	UNLOCK_TCPIP_CORE();
	return r;
}
