/* ICMP echo through an lwIP raw pcb: one request, its reply matched by identifier, sequence and source. */
#include <errno.h>
#include "kernel/arch.h"
#include "kernel/sched/semaphore.h"
#include "kernel/time.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/prot/ip4.h"
#include "lwip/raw.h"
#include "lwip/tcpip.h"
#include "net/net.h"

#define PING_DATA 32

/* Lives on the pinging thread's stack; the pcb is removed (under the core lock) before it goes. */
struct ping_wait {
	struct semaphore done;
	ip_addr_t to;
	uint16_t id, seq;
};

/* On the tcpip thread: 1 when the packet was our reply (and is consumed), 0 to let lwIP go on. */
static u8_t on_icmp(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *from)
{
	(void)pcb;
	struct ping_wait *w = arg;
	struct icmp_echo_hdr echo;
	if (p->len < IP_HLEN)
		return 0;
	u16_t hlen = IPH_HL_BYTES((struct ip_hdr *)p->payload);
	if (pbuf_copy_partial(p, &echo, sizeof echo, hlen) != sizeof echo)
		return 0;
	if (echo.type != ICMP_ER || echo.id != lwip_htons(w->id) || echo.seqno != lwip_htons(w->seq) ||
	    !ip_addr_cmp(from, &w->to))
		return 0;
	pbuf_free(p);
	semaphore_up(&w->done);
	return 1;
}

int net_ping(uint32_t addr, uint16_t seq, unsigned timeout_ms, uint64_t *rtt_us)
{
	if (!net_interface_count())
		return -ENETUNREACH;
	struct ping_wait w = { .id = (uint16_t)sys_random32(), .seq = seq };
	semaphore_init(&w.done, 0);
	ip_addr_set_ip4_u32_val(w.to, lwip_htonl(addr));
	size_t len = sizeof(struct icmp_echo_hdr) + PING_DATA;

	LOCK_TCPIP_CORE();
	struct raw_pcb *pcb = raw_new(IP_PROTO_ICMP);
	struct pbuf *p = pcb ? pbuf_alloc(PBUF_IP, (u16_t)len, PBUF_RAM) : NULL;
	if (!p) {
		if (pcb)
			raw_remove(pcb);
		UNLOCK_TCPIP_CORE();
		return -ENOMEM;
	}
	raw_recv(pcb, on_icmp, &w);
	raw_bind(pcb, IP_ADDR_ANY);
	struct icmp_echo_hdr *echo = p->payload;
	ICMPH_TYPE_SET(echo, ICMP_ECHO);
	ICMPH_CODE_SET(echo, 0);
	echo->id = lwip_htons(w.id);
	echo->seqno = lwip_htons(seq);
	for (size_t k = 0; k < PING_DATA; k++)
		((uint8_t *)p->payload)[sizeof *echo + k] = (uint8_t)('a' + k % 26);
	echo->chksum = 0;
	echo->chksum = inet_chksum(p->payload, (u16_t)len);
	uint64_t sent = rdtsc();
	err_t err = raw_sendto(pcb, p, &w.to);
	pbuf_free(p);
	UNLOCK_TCPIP_CORE();

	bool answered = err == ERR_OK &&
			semaphore_down_until(&w.done, sent + time_tsc_hz() / 1000 * timeout_ms);
	uint64_t now = rdtsc();
	LOCK_TCPIP_CORE();
	raw_remove(pcb);
	UNLOCK_TCPIP_CORE();
	if (err != ERR_OK)
		return err == ERR_RTE ? -ENETUNREACH : -ENOMEM;
	if (!answered)
		return -ETIMEDOUT;
	*rtt_us = (now - sent) / (time_tsc_hz() / 1000000);
	return 0;
}
