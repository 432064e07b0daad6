/* Listeners and accepted connections over altcp. Callbacks (tcpip thread, core lock held) only move data and
 * flags and wake the owner; the owner's thread does the rest under the core lock. The owner sleeps on the
 * connection's wait queue until `events` changes: the queue's lock is a spinlock, so the wait condition
 * reads that counter instead of taking the core lock. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernel/sched/wait.h"
#include "lwip/altcp.h"
#include "lwip/tcpip.h"
#include "net/listener.h"
#include "net/net.h"

struct net_listener {
	struct altcp_pcb *pcb;
	net_accept_fn on_accept;
	void *ctx;
};

struct net_conn {
	struct altcp_pcb *pcb; /* NULL once lwIP freed it (reset, abort) */
	struct pbuf *rx;       /* received, not yet read */
	bool eof, reset;
	bool cancelled; /* net_conn_cancel: reads and writes fail, close aborts */
	volatile unsigned events; /* bumped by every callback */
	struct wait_queue wait;
	uint32_t peer_address;
	uint16_t peer_port;
	char peer[24];
};

static void notify(struct net_conn *c)
{
	c->events++;
	wait_wake_all(&c->wait);
}

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)pcb;
	(void)err;
	struct net_conn *c = arg;
	if (!p)
		c->eof = true;
	else if (c->rx)
		pbuf_cat(c->rx, p);
	else
		c->rx = p;
	notify(c);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
	(void)pcb;
	(void)len;
	notify(arg);
	return ERR_OK;
}

/* lwIP has freed the pcb already. */
static void on_error(void *arg, err_t err)
{
	(void)err;
	struct net_conn *c = arg;
	c->pcb = NULL;
	c->reset = true;
	notify(c);
}

static void detach(struct altcp_pcb *pcb)
{
	altcp_arg(pcb, NULL);
	altcp_recv(pcb, NULL);
	altcp_sent(pcb, NULL);
	altcp_err(pcb, NULL);
}

static err_t on_accept(void *arg, struct altcp_pcb *pcb, err_t err)
{
	struct net_listener *l = arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	struct net_conn *c = calloc(1, sizeof *c);
	if (!c) {
		altcp_abort(pcb);
		return ERR_ABRT;
	}
	c->pcb = pcb;
	c->wait = (struct wait_queue)WAIT_QUEUE_INIT;
	ip_addr_t addr;
	if (altcp_get_tcp_addrinfo(pcb, 0, &addr, &c->peer_port) == ERR_OK && IP_IS_V4(&addr))
		c->peer_address = lwip_ntohl(ip_2_ip4(&addr)->addr);
	char text[NET_IPV4_TEXT_MAX];
	snprintf(c->peer, sizeof c->peer, "%s:%u", net_format_ipv4(c->peer_address, text), c->peer_port);
	altcp_arg(pcb, c);
	altcp_recv(pcb, on_recv);
	altcp_sent(pcb, on_sent);
	altcp_err(pcb, on_error);
	if (!l->on_accept(c, l->ctx)) {
		detach(pcb);
		altcp_abort(pcb);
		free(c);
		return ERR_ABRT;
	}
	return ERR_OK;
}

struct net_listener *net_listen(uint16_t port, struct altcp_allocator_s *allocator, net_accept_fn accept_fn,
				void *ctx)
{
	if (!net_interface_count())
		return NULL;
	struct net_listener *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->on_accept = accept_fn;
	l->ctx = ctx;
	LOCK_TCPIP_CORE();
	struct altcp_pcb *pcb = altcp_new_ip_type(allocator, IPADDR_TYPE_V4);
	if (pcb && altcp_bind(pcb, IP4_ADDR_ANY, port) == ERR_OK)
		l->pcb = altcp_listen_with_backlog(pcb, NET_LISTEN_BACKLOG);
	if (l->pcb) {
		altcp_arg(l->pcb, l);
		altcp_accept(l->pcb, on_accept);
	} else if (pcb) {
		altcp_close(pcb);
	}
	UNLOCK_TCPIP_CORE();
	if (!l->pcb) {
		free(l);
		return NULL;
	}
	return l;
}

void net_listener_close(struct net_listener *l)
{
	LOCK_TCPIP_CORE();
	altcp_accept(l->pcb, NULL);
	altcp_close(l->pcb);
	UNLOCK_TCPIP_CORE();
	free(l);
}

struct changed {
	struct net_conn *c;
	unsigned seen;
};

static int has_changed(void *ctx)
{
	struct changed *w = ctx;
	return w->c->events != w->seen;
}

/* Sleeps until a callback has run since `seen` was read; false at the deadline. */
static bool wait_event(struct net_conn *c, unsigned seen, uint64_t deadline_tsc)
{
	struct changed w = { c, seen };
	return wait_until_deadline(&c->wait, has_changed, &w, deadline_tsc);
}

bool net_conn_wait_readable(struct net_conn *c, uint64_t deadline_tsc)
{
	for (;;) {
		LOCK_TCPIP_CORE();
		unsigned seen = c->events;
		bool ready = c->rx || c->eof || c->reset || c->cancelled;
		UNLOCK_TCPIP_CORE();
		if (ready)
			return true;
		if (!wait_event(c, seen, deadline_tsc))
			return false;
	}
}

/* The pcb is left to the owner's net_conn_close: aborting it here, inside lwIP's input path for another
 * pcb, is not something lwIP promises to survive. */
void net_conn_cancel(struct net_conn *c)
{
	c->cancelled = true;
	notify(c);
}

long net_conn_read(struct net_conn *c, void *buf, size_t n, uint64_t deadline_tsc)
{
	if (n == 0)
		return 0;
	for (;;) {
		bool empty = false;
		long r = 0;
		LOCK_TCPIP_CORE();
		unsigned seen = c->events;
		if (c->cancelled) {
			r = -ECONNRESET;
		} else if (c->rx) {
			u16_t take = (u16_t)(n < c->rx->tot_len ? n : c->rx->tot_len);
			r = pbuf_copy_partial(c->rx, buf, take, 0);
			c->rx = pbuf_free_header(c->rx, take);
			if (c->pcb)
				altcp_recved(c->pcb, take); /* only now does the peer's window open again */
		} else if (c->reset) {
			r = -ECONNRESET;
		} else if (!c->eof) {
			empty = true;
		}
		UNLOCK_TCPIP_CORE();
		if (!empty)
			return r;
		if (!wait_event(c, seen, deadline_tsc))
			return -ETIMEDOUT;
	}
}

int net_conn_write(struct net_conn *c, const void *buf, size_t n, uint64_t deadline_tsc)
{
	const uint8_t *p = buf;
	while (n) {
		LOCK_TCPIP_CORE();
		unsigned seen = c->events;
		int r = 0;
		if (!c->pcb || c->cancelled) {
			r = -ECONNRESET;
		} else {
			size_t room = altcp_sndbuf(c->pcb);
			size_t chunk = n < room ? n : room;
			if (chunk > 0xffff)
				chunk = 0xffff;
			err_t err = chunk ? altcp_write(c->pcb, p, (u16_t)chunk, TCP_WRITE_FLAG_COPY) : ERR_MEM;
			if (err == ERR_OK) {
				p += chunk;
				n -= chunk;
				altcp_output(c->pcb);
			} else if (err != ERR_MEM) {
				r = -ENOMEM;
			}
		}
		UNLOCK_TCPIP_CORE();
		if (r)
			return r;
		if (n && !wait_event(c, seen, deadline_tsc))
			return -ETIMEDOUT;
	}
	return 0;
}

void net_conn_close(struct net_conn *c)
{
	LOCK_TCPIP_CORE();
	if (c->pcb) {
		detach(c->pcb);
		if (c->rx && !c->cancelled)
			altcp_recved(c->pcb, c->rx->tot_len);
		if (c->cancelled || altcp_close(c->pcb) != ERR_OK)
			altcp_abort(c->pcb);
	}
	if (c->rx)
		pbuf_free(c->rx);
	UNLOCK_TCPIP_CORE();
	free(c);
}

const char *net_conn_peer(const struct net_conn *c) { return c->peer; }
uint32_t net_conn_peer_address(const struct net_conn *c) { return c->peer_address; }
uint16_t net_conn_peer_port(const struct net_conn *c) { return c->peer_port; }
