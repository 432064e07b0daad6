/* What a network interface driver offers the network stack (net/), and the one worker thread per interface
 * that turns the driver's interrupts into receive and transmit-completion processing.
 *
 * Order of calls: a driver's probe fills a struct netdev and calls netdev_register; the stack sets receive,
 * link_changed and stack_ctx, then calls netdev_start. From then on the worker thread calls ops->poll after
 * every interrupt (and at least every NETDEV_POLL_MS; every NETDEV_POLLED_MS for a device without
 * interrupts), and poll hands each received frame to receive. The stack calls ops->transmit from its own
 * thread at any time. */
#ifndef DRIVERS_NETDEV_H
#define DRIVERS_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/sched/wait.h"

#define NETDEV_MTU 1500
#define NETDEV_FRAME_MAX 1514 /* Ethernet header and MTU; the frame check sequence is the NIC's */
#define NETDEV_MAX 8
#define NETDEV_POLL_MS 100  /* a device with interrupts: link state and missed work */
#define NETDEV_POLLED_MS 10 /* a device without (no MSI-X, MSI or routable INTx) */

/* Counters since boot; each written by one side only (receive by the worker, transmit under the driver's
 * lock), read without locks by `net show`. */
struct netdev_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
	uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
};

struct netdev;

struct netdev_ops {
	/* Copies one frame (len <= NETDEV_FRAME_MAX) into the transmit ring. 0; -EAGAIN when the ring stays full
	 * after reclaiming sent buffers; -EINVAL for a bad length. Any thread; the driver serialises. */
	int (*transmit)(struct netdev *dev, const void *frame, size_t len);
	/* Hands every received frame to dev->receive, gives the buffers back to the device, reclaims sent
	 * buffers. Worker thread only. */
	void (*poll)(struct netdev *dev);
	bool (*link_up)(struct netdev *dev);
};

struct netdev {
	char name[8];       /* eth0, eth1, ... in probe order */
	const char *driver; /* "virtio-net", "e1000" */
	const char *irq_mode; /* "msi-x", "msi", "intx", or "polled" when it has no interrupt */
	uint8_t mac[6];
	const struct netdev_ops *ops;
	void *priv;

	/* Set by the stack before netdev_start; called on the worker thread. */
	void (*receive)(struct netdev *dev, const void *frame, size_t len);
	void (*link_changed)(struct netdev *dev, bool up);
	void *stack_ctx;

	struct netdev_stats stats;
	bool link; /* as last reported to link_changed */
	volatile bool pending; /* an interrupt came since the last poll */
	struct wait_queue wait;
};

/* Finds the NICs of every driver (virtio-net, e1000) and registers them. Call once from a thread, with
 * interrupts on (INTx routing asks the device to interrupt). */
void netdev_probe_all(void);
/* Adds dev under the next ethN name; false when NETDEV_MAX are registered already. */
bool netdev_register(struct netdev *dev);
unsigned netdev_count(void);
struct netdev *netdev_get(unsigned index);
/* Starts dev's worker thread. 0 or -ENOMEM. */
int netdev_start(struct netdev *dev);
/* From a driver's interrupt handler: wakes the worker. */
void netdev_interrupt(struct netdev *dev);

/* Probes of the drivers; each registers the devices it finds. */
void virtio_net_probe(void);
void e1000_probe(void);

#endif
