/* Port and MMIO dispatch over small range tables (a VM has a dozen devices, so a scan beats a tree). */
#include <errno.h>
#include <stddef.h>
#include "hv/io_bus.h"

static int add(struct io_range *table, unsigned *count, uint64_t base, uint64_t length, io_read_fn read,
	       io_write_fn write, void *dev, const char *name)
{
	if (!length || base + length < base)
		return -EINVAL;
	for (unsigned i = 0; i < *count; i++)
		if (base < table[i].base + table[i].length && table[i].base < base + length)
			return -EEXIST;
	if (*count == IO_BUS_MAX_RANGES)
		return -ENOSPC;
	table[(*count)++] = (struct io_range){ base, length, read, write, dev, name };
	return 0;
}

int io_bus_add_port(struct io_bus *bus, uint16_t base, uint16_t length, io_read_fn read, io_write_fn write,
		    void *dev, const char *name)
{
	if ((uint32_t)base + length > 0x10000)
		return -EINVAL;
	return add(bus->ports, &bus->port_count, base, length, read, write, dev, name);
}

int io_bus_add_mmio(struct io_bus *bus, uint64_t base, uint64_t length, io_read_fn read, io_write_fn write,
		    void *dev, const char *name)
{
	return add(bus->mmio, &bus->mmio_count, base, length, read, write, dev, name);
}

static const struct io_range *find(const struct io_range *table, unsigned count, uint64_t addr, unsigned size)
{
	for (unsigned i = 0; i < count; i++)
		if (addr >= table[i].base && addr - table[i].base + size <= table[i].length)
			return &table[i];
	return NULL;
}

static uint64_t ones(unsigned size) { return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1; }

static uint64_t bus_read(struct io_bus *bus, const struct io_range *table, unsigned count, uint64_t *unclaimed,
			 uint64_t addr, unsigned size)
{
	uint64_t flags = spin_lock(&bus->lock);
	const struct io_range *r = find(table, count, addr, size);
	uint64_t v;
	if (r && r->read)
		v = r->read(r->dev, addr - r->base, size) & ones(size);
	else {
		v = ones(size);
		(*unclaimed)++;
	}
	spin_unlock(&bus->lock, flags);
	return v;
}

static void bus_write(struct io_bus *bus, const struct io_range *table, unsigned count, uint64_t *unclaimed,
		      uint64_t addr, unsigned size, uint64_t value)
{
	uint64_t flags = spin_lock(&bus->lock);
	const struct io_range *r = find(table, count, addr, size);
	if (r && r->write)
		r->write(r->dev, addr - r->base, size, value & ones(size));
	else
		(*unclaimed)++;
	spin_unlock(&bus->lock, flags);
}

uint64_t io_bus_port_read(struct io_bus *bus, uint16_t port, unsigned size)
{
	return bus_read(bus, bus->ports, bus->port_count, &bus->unclaimed_port_accesses, port, size);
}

void io_bus_port_write(struct io_bus *bus, uint16_t port, unsigned size, uint64_t value)
{
	bus_write(bus, bus->ports, bus->port_count, &bus->unclaimed_port_accesses, port, size, value);
}

uint64_t io_bus_mmio_read(struct io_bus *bus, uint64_t gpa, unsigned size)
{
	return bus_read(bus, bus->mmio, bus->mmio_count, &bus->unclaimed_mmio_accesses, gpa, size);
}

void io_bus_mmio_write(struct io_bus *bus, uint64_t gpa, unsigned size, uint64_t value)
{
	bus_write(bus, bus->mmio, bus->mmio_count, &bus->unclaimed_mmio_accesses, gpa, size, value);
}
