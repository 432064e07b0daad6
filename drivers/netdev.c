/* The registered network interfaces and their worker threads: an interrupt wakes the worker, which polls
 * the driver and reports link changes to the stack. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "drivers/netdev.h"
#include "kernel/arch.h"
#include "kernel/log.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"

static struct netdev *devices[NETDEV_MAX];
static unsigned device_count;

void netdev_probe_all(void)
{
	virtio_net_probe();
	e1000_probe();
}

bool netdev_register(struct netdev *dev)
{
	if (device_count == NETDEV_MAX) {
		log_printf("net: more than %u interfaces; a %s device is left unused\n", NETDEV_MAX, dev->driver);
		return false;
	}
	snprintf(dev->name, sizeof dev->name, "eth%u", device_count);
	dev->wait = (struct wait_queue)WAIT_QUEUE_INIT;
	devices[device_count++] = dev;
	const uint8_t *m = dev->mac;
	log_printf("net: %s: %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, interrupts %s\n", dev->name, dev->driver, m[0], m[1],
		   m[2], m[3], m[4], m[5], dev->irq_mode);
	return true;
}

unsigned netdev_count(void) { return device_count; }
struct netdev *netdev_get(unsigned index) { return index < device_count ? devices[index] : NULL; }

void netdev_interrupt(struct netdev *dev)
{
	dev->pending = true;
	wait_wake_all(&dev->wait);
}

static int is_pending(void *ctx) { return ((struct netdev *)ctx)->pending; }

static void worker(void *arg)
{
	struct netdev *dev = arg;
	uint64_t period = time_tsc_hz() / 1000 * (strcmp(dev->irq_mode, "polled") ? NETDEV_POLL_MS : NETDEV_POLLED_MS);
	for (;;) {
		uint64_t deadline = rdtsc() + period;
		wait_until_deadline(&dev->wait, is_pending, dev, deadline);
		dev->pending = false;
		dev->ops->poll(dev);
		bool up = dev->ops->link_up(dev);
		if (up != dev->link) {
			dev->link = up;
			log_printf("net: %s: link %s\n", dev->name, up ? "up" : "down");
			if (dev->link_changed)
				dev->link_changed(dev, up);
		}
	}
}

int netdev_start(struct netdev *dev)
{
	char name[24];
	snprintf(name, sizeof name, "net-%s", dev->name);
	return thread_create(name, worker, dev, -1) ? 0 : -ENOMEM;
}
