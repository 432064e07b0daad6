/* TCP listeners through lwIP's altcp layer (plain TCP, or TLS when given the TLS allocator) and the
 * connections they accept, for a front end whose per-connection session threads block on reads and writes.
 *
 * Threads: lwIP's callbacks run on its tcpip thread; everything below may be called from any other thread
 * (each call takes the core lock for a moment), never from the tcpip thread itself, except where noted.
 *
 * Life cycle of a connection:
 *  1. net_listen(port, allocator, on_accept, ctx) listens on every address of every interface.
 *  2. For each connection lwIP accepts, on_accept(conn, ctx) runs ON THE TCPIP THREAD: it must not block
 *     or call the functions below. It returns true to take the connection (typically after starting a
 *     session thread that owns conn), or false to refuse it (the listener aborts and frees it).
 *  3. The owner reads with net_conn_read and writes with net_conn_write, both blocking with a deadline.
 *     Received data is acknowledged to the peer's TCP window only as it is read, and writes wait while
 *     the send buffer is full, so a slow reader or writer on either side pushes back instead of queueing.
 *  4. The owner calls net_conn_close exactly once, whatever happened (end of stream, reset, timeout); it
 *     frees conn. A peer's close or reset before that only makes reads and writes return it.
 */
#ifndef KEEL_NET_LISTENER_H
#define KEEL_NET_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct altcp_allocator_s;
struct net_listener;
struct net_conn;

typedef bool (*net_accept_fn)(struct net_conn *conn, void *ctx);

#define NET_LISTEN_BACKLOG 8
/* A deadline that has passed already: net_conn_read returns at once (-ETIMEDOUT when nothing is there). */
#define NET_CONN_NOW 1

/* Listens on TCP port through allocator (NULL: plain TCP; the allocator must outlive the listener).
 * NULL when the network is not up, the port is taken or memory is short. */
struct net_listener *net_listen(uint16_t port, struct altcp_allocator_s *allocator, net_accept_fn on_accept,
				void *ctx);
/* Stops accepting and frees l; connections already accepted live on. */
void net_listener_close(struct net_listener *l);

/* Up to n bytes into buf: the count (> 0); 0 at the end of the stream (the peer closed); -ETIMEDOUT when the
 * TSC reaches deadline_tsc (0: no deadline) first; -ECONNRESET when the connection was reset or aborted. */
long net_conn_read(struct net_conn *c, void *buf, size_t n, uint64_t deadline_tsc);
/* Queues all n bytes for sending, waiting while the send buffer is full. 0; -ETIMEDOUT (part of buf may
 * have been queued); -ECONNRESET when the connection is gone; -ENOMEM. */
int net_conn_write(struct net_conn *c, const void *buf, size_t n, uint64_t deadline_tsc);
/* Sleeps until a read would not wait (data, the end of the stream, a reset, a cancel); false at deadline_tsc
 * (0: none). For owners that read without blocking under their own lock. */
bool net_conn_wait_readable(struct net_conn *c, uint64_t deadline_tsc);
/* Makes c's reads and writes fail with -ECONNRESET from now on and wakes its owner, who then closes it.
 * ON THE TCPIP THREAD ONLY (from on_accept, e.g. to make room for a new connection). */
void net_conn_cancel(struct net_conn *c);
/* Closes gracefully (an abort when lwIP has no memory for it) and frees c. Data received and never read is
 * acknowledged first, so the peer still gets what was sent before the close (lwIP resets a connection
 * closed with unread data). */
void net_conn_close(struct net_conn *c);
/* The peer, for logging and per-source policies: "10.0.2.2:51234", and the address (host order) and port.
 * Valid until net_conn_close; callable from on_accept too. */
const char *net_conn_peer(const struct net_conn *c);
uint32_t net_conn_peer_address(const struct net_conn *c);
uint16_t net_conn_peer_port(const struct net_conn *c);

#endif
