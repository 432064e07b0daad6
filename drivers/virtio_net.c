/* virtio-net over the virtio 1.x modern PCI transport: capabilities, feature negotiation (VERSION_1, MAC,
 * STATUS), one receive and one transmit split virtqueue with fixed 2 KiB buffers, one MSI-X vector for both
 * queues and configuration changes (polled when the device offers no MSI-X). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/netdev.h"
#include "drivers/pci.h"
#include "drivers/virtqueue.h"
#include "kernel/log.h"
#include "kernel/mm/phys.h"
#include "kernel/sched/spinlock.h"

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_NET_MODERN 0x1041
#define VIRTIO_NET_TRANSITIONAL 0x1000
#define VIRTIO_SUBSYSTEM_NET 1

/* virtio_pci_cap.cfg_type */
enum { CAP_COMMON = 1, CAP_NOTIFY = 2, CAP_ISR = 3, CAP_DEVICE = 4 };

/* Common configuration registers. */
enum {
	COMMON_DEVICE_FEATURE_SELECT = 0x00,
	COMMON_DEVICE_FEATURE = 0x04,
	COMMON_DRIVER_FEATURE_SELECT = 0x08,
	COMMON_DRIVER_FEATURE = 0x0c,
	COMMON_MSIX_CONFIG = 0x10,
	COMMON_DEVICE_STATUS = 0x14,
	COMMON_QUEUE_SELECT = 0x16,
	COMMON_QUEUE_SIZE = 0x18,
	COMMON_QUEUE_MSIX_VECTOR = 0x1a,
	COMMON_QUEUE_ENABLE = 0x1c,
	COMMON_QUEUE_NOTIFY_OFF = 0x1e,
	COMMON_QUEUE_DESC = 0x20,
	COMMON_QUEUE_DRIVER = 0x28,
	COMMON_QUEUE_DEVICE = 0x30,
	COMMON_SIZE = 0x38,
};

enum { STATUS_ACKNOWLEDGE = 1, STATUS_DRIVER = 2, STATUS_DRIVER_OK = 4, STATUS_FEATURES_OK = 8, STATUS_FAILED = 128 };

#define F_MAC (1ull << 5)
#define F_STATUS (1ull << 16)
#define F_VERSION_1 (1ull << 32)
#define NET_S_LINK_UP 1
#define NO_VECTOR 0xffff

#define HEADER_SIZE 12 /* struct virtio_net_hdr with num_buffers, as VERSION_1 has it */
#define BUFFER_SIZE 2048
#define QUEUE_SIZE_MAX 256
#define RX_QUEUE 0
#define TX_QUEUE 1

struct queue {
	struct virtq vq;
	uint8_t *buffers; /* BUFFER_SIZE per descriptor index */
	uint64_t buffers_phys;
	volatile uint16_t *notify;
};

struct virtio_net {
	struct netdev dev;
	struct pci_device *pci;
	volatile uint8_t *common, *isr, *device_cfg;
	volatile uint8_t *notify_base;
	uint32_t notify_multiplier;
	uint64_t features;
	struct queue rx, tx;
	struct spinlock tx_lock;
};

static uint8_t rd8(volatile uint8_t *b, unsigned off) { return b[off]; }
static uint16_t rd16(volatile uint8_t *b, unsigned off) { return *(volatile uint16_t *)(b + off); }
static uint32_t rd32(volatile uint8_t *b, unsigned off) { return *(volatile uint32_t *)(b + off); }
static void wr8(volatile uint8_t *b, unsigned off, uint8_t v) { b[off] = v; }
static void wr16(volatile uint8_t *b, unsigned off, uint16_t v) { *(volatile uint16_t *)(b + off) = v; }
static void wr32(volatile uint8_t *b, unsigned off, uint32_t v) { *(volatile uint32_t *)(b + off) = v; }
static void wr64(volatile uint8_t *b, unsigned off, uint64_t v)
{
	wr32(b, off, (uint32_t)v);
	wr32(b, off + 4, (uint32_t)(v >> 32));
}

/* Maps the structure a virtio vendor capability points at; its length is checked against min_len. */
static volatile uint8_t *map_cap(struct pci_device *p, uint8_t cap, uint32_t min_len)
{
	uint8_t bar = pci_read8(p, (uint8_t)(cap + 4));
	uint32_t offset = pci_read32(p, (uint8_t)(cap + 8));
	uint32_t length = pci_read32(p, (uint8_t)(cap + 12));
	if (length < min_len)
		return NULL;
	return (volatile uint8_t *)pci_map_bar(p, bar, offset, length);
}

static int find_caps(struct virtio_net *n)
{
	for (uint8_t cap = pci_find_capability(n->pci, PCI_CAP_VENDOR, 0); cap;
	     cap = pci_find_capability(n->pci, PCI_CAP_VENDOR, cap)) {
		uint8_t type = pci_read8(n->pci, (uint8_t)(cap + 3));
		/* The first capability of each type is the preferred one. */
		if (type == CAP_COMMON && !n->common)
			n->common = map_cap(n->pci, cap, COMMON_SIZE);
		else if (type == CAP_ISR && !n->isr)
			n->isr = map_cap(n->pci, cap, 1);
		else if (type == CAP_DEVICE && !n->device_cfg)
			n->device_cfg = map_cap(n->pci, cap, 8);
		else if (type == CAP_NOTIFY && !n->notify_base) {
			n->notify_base = map_cap(n->pci, cap, 2);
			n->notify_multiplier = pci_read32(n->pci, (uint8_t)(cap + 16));
		}
	}
	return n->common && n->isr && n->device_cfg && n->notify_base ? 0 : -ENODEV;
}

static int setup_queue(struct virtio_net *n, uint16_t index, struct queue *q, uint16_t msix_vector)
{
	volatile uint8_t *c = n->common;
	wr16(c, COMMON_QUEUE_SELECT, index);
	uint16_t size = rd16(c, COMMON_QUEUE_SIZE);
	if (size == 0)
		return -ENODEV;
	if (size > QUEUE_SIZE_MAX)
		size = QUEUE_SIZE_MAX;
	while (size & (size - 1)) /* a power of two, for the ring arithmetic */
		size &= (uint16_t)(size - 1);
	wr16(c, COMMON_QUEUE_SIZE, size);

	uint64_t ring_phys;
	size_t ring_pages = (virtq_bytes(size) + 4095) / 4096;
	if (page_alloc_contig(ring_pages, 1, 0, &ring_phys))
		return -ENOMEM;
	virtq_init(&q->vq, size, phys_to_virt(ring_phys), ring_phys);
	if (page_alloc_contig((uint64_t)size * BUFFER_SIZE / 4096, 1, 0, &q->buffers_phys))
		return -ENOMEM;
	q->buffers = phys_to_virt(q->buffers_phys);

	uint32_t notify_off = (uint32_t)rd16(c, COMMON_QUEUE_NOTIFY_OFF) * n->notify_multiplier;
	q->notify = (volatile uint16_t *)(n->notify_base + notify_off);
	wr64(c, COMMON_QUEUE_DESC, q->vq.desc_phys);
	wr64(c, COMMON_QUEUE_DRIVER, q->vq.avail_phys);
	wr64(c, COMMON_QUEUE_DEVICE, q->vq.used_phys);
	if (msix_vector != NO_VECTOR) {
		wr16(c, COMMON_QUEUE_MSIX_VECTOR, msix_vector);
		if (rd16(c, COMMON_QUEUE_MSIX_VECTOR) != msix_vector)
			return -ENOSPC;
	}
	wr16(c, COMMON_QUEUE_ENABLE, 1);
	return 0;
}

static void rx_submit(struct virtio_net *n, uint16_t index)
{
	virtq_submit(&n->rx.vq, index, n->rx.buffers_phys + (uint64_t)index * BUFFER_SIZE, BUFFER_SIZE, true);
}

static void tx_reclaim_locked(struct virtio_net *n)
{
	uint32_t len;
	int index;
	while ((index = virtq_take_used(&n->tx.vq, &len, NULL)) >= 0)
		virtq_free(&n->tx.vq, (uint16_t)index);
}

static int transmit(struct netdev *dev, const void *frame, size_t len)
{
	struct virtio_net *n = dev->priv;
	if (len > NETDEV_FRAME_MAX || len == 0) {
		dev->stats.tx_errors++;
		return -EINVAL;
	}
	uint64_t f = spin_lock(&n->tx_lock);
	int index = virtq_alloc(&n->tx.vq);
	if (index < 0) {
		tx_reclaim_locked(n);
		index = virtq_alloc(&n->tx.vq);
	}
	if (index < 0) {
		dev->stats.tx_dropped++;
		spin_unlock(&n->tx_lock, f);
		return -EAGAIN;
	}
	uint8_t *buf = n->tx.buffers + (size_t)index * BUFFER_SIZE;
	memset(buf, 0, HEADER_SIZE);
	memcpy(buf + HEADER_SIZE, frame, len);
	virtq_submit(&n->tx.vq, (uint16_t)index, n->tx.buffers_phys + (uint64_t)index * BUFFER_SIZE,
		     (uint32_t)(HEADER_SIZE + len), false);
	*n->tx.notify = TX_QUEUE;
	dev->stats.tx_packets++;
	dev->stats.tx_bytes += len;
	spin_unlock(&n->tx_lock, f);
	return 0;
}

static void poll(struct netdev *dev)
{
	struct virtio_net *n = dev->priv;
	uint32_t len;
	int index;
	unsigned resubmitted = 0;
	while ((index = virtq_take_used(&n->rx.vq, &len, NULL)) >= 0) {
		if (len < HEADER_SIZE || len > BUFFER_SIZE || len - HEADER_SIZE > NETDEV_FRAME_MAX) {
			dev->stats.rx_errors++;
		} else if (dev->receive) {
			dev->stats.rx_packets++;
			dev->stats.rx_bytes += len - HEADER_SIZE;
			dev->receive(dev, n->rx.buffers + (size_t)index * BUFFER_SIZE + HEADER_SIZE, len - HEADER_SIZE);
		}
		rx_submit(n, (uint16_t)index);
		resubmitted++;
	}
	if (resubmitted)
		*n->rx.notify = RX_QUEUE;
	uint64_t f = spin_lock(&n->tx_lock);
	tx_reclaim_locked(n);
	spin_unlock(&n->tx_lock, f);
}

static bool link_up(struct netdev *dev)
{
	struct virtio_net *n = dev->priv;
	if (!(n->features & F_STATUS))
		return true;
	return rd16(n->device_cfg, 6) & NET_S_LINK_UP;
}

static const struct netdev_ops ops = { .transmit = transmit, .poll = poll, .link_up = link_up };

static void on_interrupt(void *ctx)
{
	struct virtio_net *n = ctx;
	netdev_interrupt(&n->dev);
}

static int negotiate(struct virtio_net *n)
{
	volatile uint8_t *c = n->common;
	wr32(c, COMMON_DEVICE_FEATURE_SELECT, 0);
	uint64_t offered = rd32(c, COMMON_DEVICE_FEATURE);
	wr32(c, COMMON_DEVICE_FEATURE_SELECT, 1);
	offered |= (uint64_t)rd32(c, COMMON_DEVICE_FEATURE) << 32;
	if (!(offered & F_VERSION_1))
		return -ENODEV;
	n->features = offered & (F_VERSION_1 | F_MAC | F_STATUS);
	wr32(c, COMMON_DRIVER_FEATURE_SELECT, 0);
	wr32(c, COMMON_DRIVER_FEATURE, (uint32_t)n->features);
	wr32(c, COMMON_DRIVER_FEATURE_SELECT, 1);
	wr32(c, COMMON_DRIVER_FEATURE, (uint32_t)(n->features >> 32));
	wr8(c, COMMON_DEVICE_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
	return rd8(c, COMMON_DEVICE_STATUS) & STATUS_FEATURES_OK ? 0 : -ENODEV;
}

static int start(struct virtio_net *n)
{
	volatile uint8_t *c = n->common;
	pci_enable(n->pci);
	wr8(c, COMMON_DEVICE_STATUS, 0); /* reset */
	while (rd8(c, COMMON_DEVICE_STATUS))
		;
	wr8(c, COMMON_DEVICE_STATUS, STATUS_ACKNOWLEDGE);
	wr8(c, COMMON_DEVICE_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
	int err = negotiate(n);
	if (err)
		return err;

	/* MSI-X entry 0 serves both queues and configuration changes (link state). */
	uint16_t vector = NO_VECTOR;
	n->dev.irq_mode = "polled";
	if (pci_msix_enable(n->pci) == 0 && pci_msix_route(n->pci, 0, on_interrupt, n)) {
		vector = 0;
		wr16(c, COMMON_MSIX_CONFIG, 0);
		n->dev.irq_mode = "msi-x";
	}
	if ((err = setup_queue(n, RX_QUEUE, &n->rx, vector)) || (err = setup_queue(n, TX_QUEUE, &n->tx, vector)))
		return err;
	for (int i; (i = virtq_alloc(&n->rx.vq)) >= 0;)
		rx_submit(n, (uint16_t)i);

	if (n->features & F_MAC)
		for (unsigned i = 0; i < 6; i++)
			n->dev.mac[i] = rd8(n->device_cfg, i);
	else
		memcpy(n->dev.mac, (uint8_t[]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }, 6); /* locally administered */
	wr8(c, COMMON_DEVICE_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
	*n->rx.notify = RX_QUEUE;
	return 0;
}

static void probe_one(struct pci_device *p)
{
	struct virtio_net *n = calloc(1, sizeof *n);
	if (!n)
		return;
	n->pci = p;
	n->tx_lock = (struct spinlock)SPINLOCK_INIT;
	n->dev.driver = "virtio-net";
	n->dev.ops = &ops;
	n->dev.priv = n;
	int err = find_caps(n);
	if (!err)
		err = start(n);
	if (err) {
		log_printf("virtio-net: %02x:%02x.%x not usable (error %d)\n", p->bus, p->dev, p->fn, err);
		if (n->common)
			wr8(n->common, COMMON_DEVICE_STATUS, STATUS_FAILED);
		return; /* its memory stays: the device may still hold the ring addresses */
	}
	if (!netdev_register(&n->dev))
		wr8(n->common, COMMON_DEVICE_STATUS, 0);
}

void virtio_net_probe(void)
{
	struct pci_device *p;
	for (unsigned i = 0; (p = pci_find(VIRTIO_VENDOR, VIRTIO_NET_MODERN, i)); i++)
		probe_one(p);
	/* A transitional device names its type in the subsystem id; it has the modern capabilities too. */
	for (unsigned i = 0; (p = pci_find(VIRTIO_VENDOR, VIRTIO_NET_TRANSITIONAL, i)); i++)
		if (pci_read16(p, 0x2e) == VIRTIO_SUBSYSTEM_NET)
			probe_one(p);
}
