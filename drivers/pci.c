/* PCI enumeration through configuration mechanism #1 (ports 0xCF8/0xCFC), BAR sizing, the capability list,
 * MSI and MSI-X programming, and INTx routing found by probing the IOAPIC's PCI inputs. */
#include <errno.h>
#include <stdio.h>
#include "drivers/pci.h"
#include "kernel/arch.h"
#include "kernel/log.h"
#include "kernel/mm/paging.h"
#include "kernel/sched/spinlock.h"
#include "kernel/time.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc

#define REG_ID 0x00
#define REG_COMMAND 0x04
#define REG_STATUS 0x06
#define REG_CLASS 0x08
#define REG_HEADER_TYPE 0x0e
#define REG_BAR0 0x10
#define REG_SECONDARY_BUS 0x19
#define REG_CAP_PTR 0x34
#define REG_INTERRUPT_PIN 0x3d

#define COMMAND_IO (1u << 0)
#define COMMAND_MEMORY (1u << 1)
#define COMMAND_BUS_MASTER (1u << 2)
#define COMMAND_INTX_DISABLE (1u << 10)
#define STATUS_CAP_LIST (1u << 4)

#define MSI_CONTROL_ENABLE (1u << 0)
#define MSI_CONTROL_64BIT (1u << 7)
#define MSIX_CONTROL_ENABLE (1u << 15)
#define MSIX_CONTROL_FUNCTION_MASK (1u << 14)
#define MSIX_ENTRY_SIZE 16

static struct pci_device devices[PCI_MAX_DEVICES];
static unsigned device_count;
static struct spinlock config_lock = SPINLOCK_INIT;

static uint32_t config_read(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t offset)
{
	uint64_t f = spin_lock(&config_lock);
	outl(CONFIG_ADDRESS, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (offset & 0xfc));
	uint32_t v = inl(CONFIG_DATA);
	spin_unlock(&config_lock, f);
	return v;
}

static void config_write(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t offset, uint32_t v)
{
	uint64_t f = spin_lock(&config_lock);
	outl(CONFIG_ADDRESS, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (offset & 0xfc));
	outl(CONFIG_DATA, v);
	spin_unlock(&config_lock, f);
}

uint32_t pci_read32(const struct pci_device *d, uint8_t offset) { return config_read(d->bus, d->dev, d->fn, offset); }
uint16_t pci_read16(const struct pci_device *d, uint8_t offset)
{
	return (uint16_t)(pci_read32(d, offset) >> ((offset & 2) * 8));
}
uint8_t pci_read8(const struct pci_device *d, uint8_t offset)
{
	return (uint8_t)(pci_read32(d, offset) >> ((offset & 3) * 8));
}
void pci_write32(const struct pci_device *d, uint8_t offset, uint32_t v) { config_write(d->bus, d->dev, d->fn, offset, v); }

void pci_write16(const struct pci_device *d, uint8_t offset, uint16_t v)
{
	unsigned shift = (offset & 2) * 8;
	uint32_t old = pci_read32(d, offset);
	/* The status register beside the command register has write-1-to-clear bits: write zeros there. */
	if ((offset & ~3) == REG_COMMAND)
		old &= 0x0000ffffu;
	pci_write32(d, offset, (old & ~(0xffffu << shift)) | (uint32_t)v << shift);
}

/* Sizes every BAR with decoding off, so the all-ones probe never claims an address range. */
static void read_bars(struct pci_device *d, unsigned count)
{
	uint16_t command = pci_read16(d, REG_COMMAND);
	pci_write16(d, REG_COMMAND, command & ~(COMMAND_IO | COMMAND_MEMORY));
	for (unsigned i = 0; i < count; i++) {
		uint8_t reg = (uint8_t)(REG_BAR0 + 4 * i);
		uint32_t low = pci_read32(d, reg);
		pci_write32(d, reg, 0xffffffffu);
		uint32_t mask = pci_read32(d, reg);
		pci_write32(d, reg, low);
		struct pci_bar *b = &d->bar[i];
		if (low & 1) {
			b->io = true;
			b->base = low & ~3u;
			b->size = (uint16_t)(~(mask & ~3u) + 1);
			if (!(mask & ~3u))
				b->size = 0;
			continue;
		}
		uint64_t base = low & ~0xfull, size_mask = mask & ~0xfull;
		b->prefetchable = (low >> 3) & 1;
		if (((low >> 1) & 3) == 2 && i + 1 < count) {
			b->is64 = true;
			uint8_t high_reg = (uint8_t)(reg + 4);
			uint32_t high = pci_read32(d, high_reg);
			pci_write32(d, high_reg, 0xffffffffu);
			uint32_t high_mask = pci_read32(d, high_reg);
			pci_write32(d, high_reg, high);
			base |= (uint64_t)high << 32;
			size_mask |= (uint64_t)high_mask << 32;
			i++;
		} else {
			size_mask |= 0xffffffff00000000ull;
		}
		b->base = base;
		b->size = (mask & ~0xfull) ? ~size_mask + 1 : 0;
	}
	pci_write16(d, REG_COMMAND, command);
}

uint8_t pci_find_capability(const struct pci_device *d, uint8_t id, uint8_t start)
{
	if (!(pci_read16(d, REG_STATUS) & STATUS_CAP_LIST))
		return 0;
	uint8_t off = start ? pci_read8(d, (uint8_t)(start + 1)) : pci_read8(d, REG_CAP_PTR);
	for (unsigned n = 0; n < 48 && off >= 0x40; n++) {
		off &= 0xfc;
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, (uint8_t)(off + 1));
	}
	return 0;
}

static const char *class_name(uint8_t class_code)
{
	static const char *const names[] = { "old", "storage", "network", "display", "multimedia", "memory",
					     "bridge", "serial", "system", "input", "docking", "processor",
					     "bus" };
	return class_code < sizeof names / sizeof names[0] ? names[class_code] : "other";
}

static void log_device(const struct pci_device *d)
{
	char line[320];
	int n = snprintf(line, sizeof line, "pci: %02x:%02x.%x %04x:%04x %s (class %02x.%02x)", d->bus, d->dev, d->fn,
			 d->vendor, d->device, class_name(d->class_code), d->class_code, d->subclass);
	if (d->irq_pin)
		n += snprintf(line + n, sizeof line - n, ", INT%c", 'A' + d->irq_pin - 1);
	if (d->msi_cap)
		n += snprintf(line + n, sizeof line - n, ", msi");
	if (d->msix_cap)
		n += snprintf(line + n, sizeof line - n, ", msi-x");
	for (unsigned i = 0; i < 6 && n < (int)sizeof line; i++) {
		const struct pci_bar *b = &d->bar[i];
		if (b->size)
			n += snprintf(line + n, sizeof line - n, ", bar%u %s %#llx+%#llx", i,
				      b->io ? "io" : b->is64 ? "mem64" : "mem", (unsigned long long)b->base,
				      (unsigned long long)b->size);
	}
	log_printf("%s\n", line);
}

static void scan_bus(uint8_t bus, unsigned depth);

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn, unsigned depth)
{
	uint32_t id = config_read(bus, dev, fn, REG_ID);
	uint8_t header = (uint8_t)(config_read(bus, dev, fn, REG_HEADER_TYPE & ~3) >> 16) & 0x7f;
	if (device_count == PCI_MAX_DEVICES) {
		log_printf("pci: more than %u devices; %02x:%02x.%x and later ignored\n", PCI_MAX_DEVICES, bus, dev, fn);
		return;
	}
	struct pci_device *d = &devices[device_count++];
	*d = (struct pci_device){ .bus = bus, .dev = dev, .fn = fn, .vendor = (uint16_t)id,
				  .device = (uint16_t)(id >> 16) };
	uint32_t class = pci_read32(d, REG_CLASS);
	d->revision = (uint8_t)class;
	d->prog_if = (uint8_t)(class >> 8);
	d->subclass = (uint8_t)(class >> 16);
	d->class_code = (uint8_t)(class >> 24);
	d->irq_pin = pci_read8(d, REG_INTERRUPT_PIN);
	if (d->irq_pin > 4)
		d->irq_pin = 0;
	if (header == 0)
		read_bars(d, 6);
	else if (header == 1)
		read_bars(d, 2);
	d->msi_cap = pci_find_capability(d, PCI_CAP_MSI, 0);
	d->msix_cap = pci_find_capability(d, PCI_CAP_MSIX, 0);
	log_device(d);
	/* A PCI-to-PCI bridge: its secondary bus holds more devices (depth bounds a looping topology). */
	if (header == 1 && depth < 8) {
		uint8_t secondary = pci_read8(d, REG_SECONDARY_BUS);
		if (secondary > bus)
			scan_bus(secondary, depth + 1);
	}
}

static void scan_bus(uint8_t bus, unsigned depth)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		if ((uint16_t)config_read(bus, dev, 0, REG_ID) == 0xffff)
			continue;
		bool multi = (config_read(bus, dev, 0, REG_HEADER_TYPE & ~3) >> 16) & 0x80;
		for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++)
			if ((uint16_t)config_read(bus, dev, fn, REG_ID) != 0xffff)
				add_function(bus, dev, fn, depth);
	}
}

void pci_init(void)
{
	scan_bus(0, 0);
	log_printf("pci: %u devices\n", device_count);
}

struct pci_device *pci_find(uint16_t vendor, uint16_t device, unsigned index)
{
	for (unsigned i = 0; i < device_count; i++)
		if (devices[i].vendor == vendor && devices[i].device == device && index-- == 0)
			return &devices[i];
	return NULL;
}

void pci_enable(const struct pci_device *d)
{
	const uint16_t on = COMMAND_IO | COMMAND_MEMORY | COMMAND_BUS_MASTER;
	uint16_t command = pci_read16(d, REG_COMMAND);
	/* Written only when something changes: a change remaps the machine's memory (see kmain). */
	if ((command & on) != on)
		pci_write16(d, REG_COMMAND, command | on);
}

volatile void *pci_map_bar(const struct pci_device *d, unsigned n, uint64_t offset, uint64_t len)
{
	if (n >= 6)
		return NULL;
	const struct pci_bar *b = &d->bar[n];
	if (b->io || !b->base || offset > b->size || len > b->size - offset)
		return NULL;
	return paging_map_mmio(b->base + offset, len);
}

static void intx_disable(const struct pci_device *d)
{
	pci_write16(d, REG_COMMAND, pci_read16(d, REG_COMMAND) | COMMAND_INTX_DISABLE);
}

int pci_msix_enable(struct pci_device *d)
{
	if (!d->msix_cap)
		return -ENODEV;
	uint16_t control = pci_read16(d, (uint8_t)(d->msix_cap + 2));
	uint32_t table = pci_read32(d, (uint8_t)(d->msix_cap + 4));
	d->msix_entries = (control & 0x7ffu) + 1;
	d->msix_table = pci_map_bar(d, table & 7, table & ~7u, (uint64_t)d->msix_entries * MSIX_ENTRY_SIZE);
	if (!d->msix_table)
		return -ENOMEM;
	pci_write16(d, (uint8_t)(d->msix_cap + 2), control | MSIX_CONTROL_ENABLE | MSIX_CONTROL_FUNCTION_MASK);
	for (unsigned i = 0; i < d->msix_entries; i++)
		d->msix_table[i * 4 + 3] = 1; /* masked */
	intx_disable(d);
	pci_write16(d, (uint8_t)(d->msix_cap + 2), (control | MSIX_CONTROL_ENABLE) & ~MSIX_CONTROL_FUNCTION_MASK);
	return 0;
}

/* A vector for fn and the message (address, data) that raises it; 0 when none is free. */
static uint8_t msi_vector(irq_handler_fn fn, void *ctx, uint64_t *address, uint32_t *data)
{
	uint8_t vector = irq_alloc_vector(fn, ctx);
	if (vector)
		irq_msi_message(vector, address, data);
	return vector;
}

uint8_t pci_msix_route(struct pci_device *d, unsigned entry, irq_handler_fn fn, void *ctx)
{
	if (!d->msix_table || entry >= d->msix_entries)
		return 0;
	uint64_t address;
	uint32_t data;
	uint8_t vector = msi_vector(fn, ctx, &address, &data);
	if (!vector)
		return 0;
	volatile uint32_t *e = d->msix_table + entry * 4;
	e[0] = (uint32_t)address;
	e[1] = (uint32_t)(address >> 32);
	e[2] = data;
	e[3] = 0;
	return vector;
}

uint8_t pci_msi_enable(struct pci_device *d, irq_handler_fn fn, void *ctx)
{
	if (!d->msi_cap)
		return 0;
	uint64_t address;
	uint32_t data;
	uint8_t vector = msi_vector(fn, ctx, &address, &data);
	if (!vector)
		return 0;
	uint8_t cap = d->msi_cap;
	uint16_t control = pci_read16(d, (uint8_t)(cap + 2));
	pci_write32(d, (uint8_t)(cap + 4), (uint32_t)address);
	if (control & MSI_CONTROL_64BIT) {
		pci_write32(d, (uint8_t)(cap + 8), (uint32_t)(address >> 32));
		pci_write16(d, (uint8_t)(cap + 12), (uint16_t)data);
	} else {
		pci_write16(d, (uint8_t)(cap + 8), (uint16_t)data);
	}
	/* One message (multiple message enable 0), then on. */
	pci_write16(d, (uint8_t)(cap + 2), (uint16_t)((control & ~(7u << 4)) | MSI_CONTROL_ENABLE));
	intx_disable(d);
	return vector;
}

struct intx_probe {
	uint32_t gsi;
	volatile bool fired;
};

static void on_probe(void *ctx)
{
	struct intx_probe *p = ctx;
	irq_gsi_mask(p->gsi, 1); /* the line stays asserted until lower(): no repeat */
	p->fired = true;
}

#define INTX_PROBE_US 5000
#define FIRST_PCI_GSI 16

int pci_intx_route(struct pci_device *d, void (*raise)(void *ctx), void (*lower)(void *ctx), irq_handler_fn fn,
		   void *ctx)
{
	if (!d->irq_pin)
		return -ENODEV;
	pci_write16(d, REG_COMMAND, pci_read16(d, REG_COMMAND) & ~COMMAND_INTX_DISABLE);
	uint32_t first = irq_gsi_base() > FIRST_PCI_GSI ? irq_gsi_base() : FIRST_PCI_GSI;
	for (uint32_t gsi = first; gsi < irq_gsi_base() + irq_gsi_count(); gsi++) {
		struct intx_probe probe = { .gsi = gsi };
		int err = irq_register_pci_gsi(gsi, on_probe, &probe);
		if (err == -EBUSY)
			continue; /* another device's line: never shared */
		if (err)
			break;
		irq_gsi_mask(gsi, 0);
		raise(ctx);
		uint64_t deadline = rdtsc() + time_tsc_hz() / 1000000 * INTX_PROBE_US;
		while (!probe.fired && rdtsc() < deadline)
			cpu_relax();
		irq_gsi_mask(gsi, 1);
		lower(ctx);
		irq_register_vector((uint8_t)(IRQ_VECTOR_BASE + gsi), NULL, NULL);
		if (probe.fired) {
			irq_register_pci_gsi(gsi, fn, ctx);
			irq_gsi_mask(gsi, 0);
			return (int)gsi;
		}
	}
	return -ENODEV;
}
