/* A VM's I/O bus: devices claim port and MMIO ranges; everything unclaimed reads all ones, ignores writes
 * and is counted. One lock per bus serializes device access from the VM's vCPUs. */
#ifndef HV_IO_BUS_H
#define HV_IO_BUS_H

#include <stdint.h>
#include "kernel/sched/spinlock.h"

#define IO_BUS_MAX_RANGES 32

typedef uint64_t (*io_read_fn)(void *dev, uint64_t offset, unsigned size);
typedef void (*io_write_fn)(void *dev, uint64_t offset, unsigned size, uint64_t value);

struct io_range {
	uint64_t base, length;
	io_read_fn read;
	io_write_fn write;
	void *dev;
	const char *name;
};

struct io_bus {
	struct spinlock lock;
	unsigned port_count, mmio_count;
	struct io_range ports[IO_BUS_MAX_RANGES], mmio[IO_BUS_MAX_RANGES];
	uint64_t unclaimed_port_accesses, unclaimed_mmio_accesses;
};

/* Claims a range; -EEXIST when it overlaps a claimed one, -ENOSPC when the bus is full. */
int io_bus_add_port(struct io_bus *bus, uint16_t base, uint16_t length, io_read_fn read, io_write_fn write,
		    void *dev, const char *name);
int io_bus_add_mmio(struct io_bus *bus, uint64_t base, uint64_t length, io_read_fn read, io_write_fn write,
		    void *dev, const char *name);
/* Accesses of size 1, 2, 4 (8 for MMIO). Values are zero-extended; unclaimed reads return all ones. */
uint64_t io_bus_port_read(struct io_bus *bus, uint16_t port, unsigned size);
void io_bus_port_write(struct io_bus *bus, uint16_t port, unsigned size, uint64_t value);
uint64_t io_bus_mmio_read(struct io_bus *bus, uint64_t gpa, unsigned size);
void io_bus_mmio_write(struct io_bus *bus, uint64_t gpa, unsigned size, uint64_t value);

#endif
