/* Intel 8254x (QEMU's 82540EM, `-nic e1000`): reset, MAC address from the EEPROM (or the receive address
 * registers), legacy receive and transmit descriptor rings with 2 KiB buffers, interrupts by MSI when the
 * device offers it, else INTx through the IOAPIC. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/netdev.h"
#include "drivers/pci.h"
#include "kernel/arch.h"
#include "kernel/log.h"
#include "kernel/mm/phys.h"
#include "kernel/sched/spinlock.h"
#include "kernel/time.h"

#define INTEL_VENDOR 0x8086

enum {
	REG_CTRL = 0x0000,
	REG_STATUS = 0x0008,
	REG_EERD = 0x0014,
	REG_ICR = 0x00c0,
	REG_ICS = 0x00c8,
	REG_IMS = 0x00d0,
	REG_IMC = 0x00d8,
	REG_RCTL = 0x0100,
	REG_TCTL = 0x0400,
	REG_TIPG = 0x0410,
	REG_RDBAL = 0x2800,
	REG_RDBAH = 0x2804,
	REG_RDLEN = 0x2808,
	REG_RDH = 0x2810,
	REG_RDT = 0x2818,
	REG_TDBAL = 0x3800,
	REG_TDBAH = 0x3804,
	REG_TDLEN = 0x3808,
	REG_TDH = 0x3810,
	REG_TDT = 0x3818,
	REG_MTA = 0x5200,
	REG_RAL0 = 0x5400,
	REG_RAH0 = 0x5404,
};

#define CTRL_SLU (1u << 6)
#define CTRL_RST (1u << 26)
#define STATUS_LU (1u << 1)
#define EERD_START 1u
#define EERD_DONE (1u << 4)
#define RCTL_EN (1u << 1)
#define RCTL_BAM (1u << 15)
#define RCTL_SECRC (1u << 26) /* BSIZE 00: 2048-byte buffers */
#define TCTL_EN (1u << 1)
#define TCTL_PSP (1u << 3)
#define TCTL_CT (0x10u << 4)
#define TCTL_COLD (0x40u << 12)
#define TIPG_DEFAULT (10u | 8u << 10 | 6u << 20)
#define RAH_AV (1u << 31)

#define INT_TXDW (1u << 0)
#define INT_LSC (1u << 2)
#define INT_RXDMT0 (1u << 4)
#define INT_RXO (1u << 6)
#define INT_RXT0 (1u << 7)
#define INT_MASK (INT_TXDW | INT_LSC | INT_RXDMT0 | INT_RXO | INT_RXT0)

#define DESC_DD 1u
#define RX_EOP 2u
#define TX_CMD_EOP 1u
#define TX_CMD_IFCS 2u
#define TX_CMD_RS 8u

#define RING_SIZE 128 /* descriptors; the ring's byte length must be a multiple of 128 */
#define BUFFER_SIZE 2048

struct rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t checksum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};

struct tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};

struct e1000 {
	struct netdev dev;
	struct pci_device *pci;
	volatile uint8_t *regs;
	volatile struct rx_desc *rx;
	volatile struct tx_desc *tx;
	uint8_t *rx_buffers, *tx_buffers;
	uint64_t rx_buffers_phys, tx_buffers_phys;
	unsigned rx_next; /* next descriptor the device will fill */
	unsigned tx_tail, tx_clean; /* next to fill; oldest not yet reclaimed */
	struct spinlock tx_lock;
};

static uint32_t rd(struct e1000 *e, unsigned reg) { return *(volatile uint32_t *)(e->regs + reg); }
static void wr(struct e1000 *e, unsigned reg, uint32_t v) { *(volatile uint32_t *)(e->regs + reg) = v; }

/* EEPROM word through EERD; false when the read never completes (the 82540EM has the register). */
static bool eeprom_read(struct e1000 *e, uint8_t word, uint16_t *out)
{
	wr(e, REG_EERD, EERD_START | (uint32_t)word << 8);
	for (unsigned i = 0; i < 100000; i++) {
		uint32_t v = rd(e, REG_EERD);
		if (v & EERD_DONE) {
			*out = (uint16_t)(v >> 16);
			return true;
		}
		cpu_relax();
	}
	return false;
}

static void read_mac(struct e1000 *e)
{
	uint16_t w[3];
	if (eeprom_read(e, 0, &w[0]) && eeprom_read(e, 1, &w[1]) && eeprom_read(e, 2, &w[2])) {
		for (unsigned i = 0; i < 3; i++) {
			e->dev.mac[2 * i] = (uint8_t)w[i];
			e->dev.mac[2 * i + 1] = (uint8_t)(w[i] >> 8);
		}
		return;
	}
	uint32_t low = rd(e, REG_RAL0), high = rd(e, REG_RAH0);
	for (unsigned i = 0; i < 4; i++)
		e->dev.mac[i] = (uint8_t)(low >> (8 * i));
	e->dev.mac[4] = (uint8_t)high;
	e->dev.mac[5] = (uint8_t)(high >> 8);
}

static void tx_reclaim_locked(struct e1000 *e)
{
	while (e->tx_clean != e->tx_tail && (e->tx[e->tx_clean].status & DESC_DD))
		e->tx_clean = (e->tx_clean + 1) % RING_SIZE;
}

static int transmit(struct netdev *dev, const void *frame, size_t len)
{
	struct e1000 *e = dev->priv;
	if (len > NETDEV_FRAME_MAX || len == 0) {
		dev->stats.tx_errors++;
		return -EINVAL;
	}
	uint64_t f = spin_lock(&e->tx_lock);
	unsigned next = (e->tx_tail + 1) % RING_SIZE;
	if (next == e->tx_clean) {
		tx_reclaim_locked(e);
		if (next == e->tx_clean) {
			dev->stats.tx_dropped++;
			spin_unlock(&e->tx_lock, f);
			return -EAGAIN;
		}
	}
	unsigned i = e->tx_tail;
	memcpy(e->tx_buffers + (size_t)i * BUFFER_SIZE, frame, len);
	volatile struct tx_desc *d = &e->tx[i];
	d->addr = e->tx_buffers_phys + (uint64_t)i * BUFFER_SIZE;
	d->length = (uint16_t)len;
	d->cmd = TX_CMD_EOP | TX_CMD_IFCS | TX_CMD_RS;
	d->status = 0;
	e->tx_tail = next;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr(e, REG_TDT, next);
	dev->stats.tx_packets++;
	dev->stats.tx_bytes += len;
	spin_unlock(&e->tx_lock, f);
	return 0;
}

static void poll(struct netdev *dev)
{
	struct e1000 *e = dev->priv;
	unsigned handled = 0;
	while (handled < RING_SIZE) {
		volatile struct rx_desc *d = &e->rx[e->rx_next];
		uint8_t status = d->status;
		if (!(status & DESC_DD))
			break;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		uint16_t len = d->length;
		/* Frames larger than one buffer span descriptors; they are never ours (MTU 1500): drop them. */
		if (!(status & RX_EOP) || d->errors || len == 0 || len > NETDEV_FRAME_MAX) {
			dev->stats.rx_errors++;
		} else if (dev->receive) {
			dev->stats.rx_packets++;
			dev->stats.rx_bytes += len;
			dev->receive(dev, e->rx_buffers + (size_t)e->rx_next * BUFFER_SIZE, len);
		}
		d->status = 0;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		wr(e, REG_RDT, e->rx_next); /* the descriptor just emptied goes back to the device */
		e->rx_next = (e->rx_next + 1) % RING_SIZE;
		handled++;
	}
	uint64_t f = spin_lock(&e->tx_lock);
	tx_reclaim_locked(e);
	spin_unlock(&e->tx_lock, f);
}

static bool link_up(struct netdev *dev) { return rd(dev->priv, REG_STATUS) & STATUS_LU; }

static const struct netdev_ops ops = { .transmit = transmit, .poll = poll, .link_up = link_up };

static void on_interrupt(void *ctx)
{
	struct e1000 *e = ctx;
	/* Reading ICR clears the causes and releases a level-triggered INTx line. */
	if (rd(e, REG_ICR))
		netdev_interrupt(&e->dev);
}

static void raise_interrupt(void *ctx)
{
	struct e1000 *e = ctx;
	wr(e, REG_IMS, INT_LSC);
	wr(e, REG_ICS, INT_LSC);
}

static void lower_interrupt(void *ctx)
{
	struct e1000 *e = ctx;
	wr(e, REG_IMC, 0xffffffffu);
	rd(e, REG_ICR);
}

static int setup_rings(struct e1000 *e)
{
	uint64_t rx_phys, tx_phys;
	if (page_alloc_contig(1, 1, 0, &rx_phys) || page_alloc_contig(1, 1, 0, &tx_phys) ||
	    page_alloc_contig(RING_SIZE * BUFFER_SIZE / 4096, 1, 0, &e->rx_buffers_phys) ||
	    page_alloc_contig(RING_SIZE * BUFFER_SIZE / 4096, 1, 0, &e->tx_buffers_phys))
		return -ENOMEM;
	e->rx = phys_to_virt(rx_phys);
	e->tx = phys_to_virt(tx_phys);
	e->rx_buffers = phys_to_virt(e->rx_buffers_phys);
	e->tx_buffers = phys_to_virt(e->tx_buffers_phys);
	for (unsigned i = 0; i < RING_SIZE; i++)
		e->rx[i].addr = e->rx_buffers_phys + (uint64_t)i * BUFFER_SIZE;

	wr(e, REG_RDBAL, (uint32_t)rx_phys);
	wr(e, REG_RDBAH, (uint32_t)(rx_phys >> 32));
	wr(e, REG_RDLEN, RING_SIZE * sizeof(struct rx_desc));
	wr(e, REG_RDH, 0);
	wr(e, REG_RDT, RING_SIZE - 1); /* one descriptor stays empty: head == tail means the ring is full */
	wr(e, REG_RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);

	wr(e, REG_TDBAL, (uint32_t)tx_phys);
	wr(e, REG_TDBAH, (uint32_t)(tx_phys >> 32));
	wr(e, REG_TDLEN, RING_SIZE * sizeof(struct tx_desc));
	wr(e, REG_TDH, 0);
	wr(e, REG_TDT, 0);
	wr(e, REG_TIPG, TIPG_DEFAULT);
	wr(e, REG_TCTL, TCTL_EN | TCTL_PSP | TCTL_CT | TCTL_COLD);
	return 0;
}

static int start(struct e1000 *e)
{
	e->regs = (volatile uint8_t *)pci_map_bar(e->pci, 0, 0, 0x20000);
	if (!e->regs)
		return -ENODEV;
	pci_enable(e->pci);
	wr(e, REG_IMC, 0xffffffffu);
	wr(e, REG_CTRL, rd(e, REG_CTRL) | CTRL_RST);
	time_delay_us(1000);
	for (unsigned i = 0; i < 1000 && (rd(e, REG_CTRL) & CTRL_RST); i++)
		time_delay_us(10);
	wr(e, REG_IMC, 0xffffffffu);
	rd(e, REG_ICR);
	wr(e, REG_CTRL, rd(e, REG_CTRL) | CTRL_SLU);

	read_mac(e);
	const uint8_t *m = e->dev.mac;
	wr(e, REG_RAL0, (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24);
	wr(e, REG_RAH0, (uint32_t)m[4] | (uint32_t)m[5] << 8 | RAH_AV);
	for (unsigned i = 0; i < 128; i++)
		wr(e, REG_MTA + 4 * i, 0);
	int err = setup_rings(e);
	if (err)
		return err;

	if (pci_msi_enable(e->pci, on_interrupt, e)) {
		e->dev.irq_mode = "msi";
	} else if (pci_intx_route(e->pci, raise_interrupt, lower_interrupt, on_interrupt, e) >= 0) {
		e->dev.irq_mode = "intx";
	} else {
		e->dev.irq_mode = "polled";
		return 0;
	}
	wr(e, REG_IMS, INT_MASK);
	return 0;
}

void e1000_probe(void)
{
	static const uint16_t ids[] = { 0x100e, 0x100f, 0x100c };
	struct pci_device *p;
	for (unsigned k = 0; k < sizeof ids / sizeof ids[0]; k++) {
		for (unsigned i = 0; (p = pci_find(INTEL_VENDOR, ids[k], i)); i++) {
			struct e1000 *e = calloc(1, sizeof *e);
			if (!e)
				return;
			e->pci = p;
			e->tx_lock = (struct spinlock)SPINLOCK_INIT;
			e->dev.driver = "e1000";
			e->dev.ops = &ops;
			e->dev.priv = e;
			int err = start(e);
			if (err)
				log_printf("e1000: %02x:%02x.%x not usable (error %d)\n", p->bus, p->dev, p->fn, err);
			else
				netdev_register(&e->dev);
		}
	}
}
