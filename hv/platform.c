/* The first platform: a polled serial console at COM1, the ACPI PM control register for S5 power off, the
 * reset register at 0xCF9, POST port 0x80 and the scratch MMIO page at 0xFEB00000. The full device models (PIC, PIT, RTC, APICs, 16550)
 * replace the console stand-in as they land. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hv/backend.h"
#include "hv/mmio.h"
#include "hv/platform.h"
#include "hv/vcpu.h"
#include "hv/vm.h"

#define COM1_BASE 0x3f8
#define PM_BASE 0x600
#define PM1A_CONTROL_OFFSET 4
#define PM_SLP_TYP_S5 5
#define PM_SLP_EN (1u << 13)
#define RESET_PORT 0xcf9
#define POST_PORT 0x80

#define RX_QUEUE 256
#define SCRATCH_BASE 0xfeb00000ull
#define SCRATCH_SIZE 4096

struct vm_platform {
	struct vm *vm;
	uint8_t scratch;
	uint8_t post_code;
	uint8_t rx[RX_QUEUE];
	unsigned rx_head, rx_tail;
	uint8_t scratch_page[SCRATCH_SIZE];
};

static uint64_t console_read(void *dev, uint64_t offset, unsigned size)
{
	struct vm_platform *p = dev;
	(void)size;
	switch (offset) {
	case 0:
		return p->rx_head != p->rx_tail ? p->rx[p->rx_tail++ % RX_QUEUE] : 0;
	case 5:
		return 0x60 | (p->rx_head != p->rx_tail); /* LSR: transmitter empty; data ready */
	case 7:
		return p->scratch;
	default:
		return 0;
	}
}

static void console_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct vm_platform *p = dev;
	(void)size;
	char c = (char)value;
	if (offset == 0)
		vm_console_write(p->vm, &c, 1);
	else if (offset == 7)
		p->scratch = (uint8_t)value;
}

static uint64_t pm_read(void *dev, uint64_t offset, unsigned size)
{
	(void)dev, (void)size;
	return offset == PM1A_CONTROL_OFFSET ? 1 : 0; /* SCI_EN: ACPI mode always */
}

static void pm_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct vm_platform *p = dev;
	(void)size;
	if (offset == PM1A_CONTROL_OFFSET && (value & PM_SLP_EN) && ((value >> 10) & 7) == PM_SLP_TYP_S5)
		vm_stop_from_guest(p->vm, "powered off by the guest (ACPI S5)");
}

static void reset_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct vm_platform *p = dev;
	(void)offset, (void)size;
	if (value & 4)
		vm_stop_from_guest(p->vm, "reset by the guest (port 0xcf9)");
}

static uint64_t post_read(void *dev, uint64_t offset, unsigned size)
{
	(void)dev, (void)offset, (void)size;
	return 0xff;
}

static void post_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct vm_platform *p = dev;
	(void)offset, (void)size;
	p->post_code = (uint8_t)value;
}

/* A page of MMIO that behaves like memory: every access exits, so tests can check the instruction
 * emulator against the same operations on RAM. */
static uint64_t scratch_read(void *dev, uint64_t offset, unsigned size)
{
	struct vm_platform *p = dev;
	uint64_t v = 0;
	memcpy(&v, p->scratch_page + offset, size);
	return v;
}

static void scratch_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct vm_platform *p = dev;
	memcpy(p->scratch_page + offset, &value, size);
}

int platform_create(struct vm *vm)
{
	struct vm_platform *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->vm = vm;
	vm->platform = p;
	int e;
	if ((e = io_bus_add_port(&vm->bus, COM1_BASE, 8, console_read, console_write, p, "com1")) ||
	    (e = io_bus_add_port(&vm->bus, PM_BASE, 12, pm_read, pm_write, p, "acpi-pm")) ||
	    (e = io_bus_add_port(&vm->bus, RESET_PORT, 1, NULL, reset_write, p, "reset")) ||
	    (e = io_bus_add_port(&vm->bus, POST_PORT, 1, post_read, post_write, p, "post")) ||
	    (e = io_bus_add_mmio(&vm->bus, SCRATCH_BASE, SCRATCH_SIZE, scratch_read, scratch_write, p, "scratch"))) {
		platform_destroy(vm);
		return e;
	}
	return 0;
}

void platform_destroy(struct vm *vm)
{
	free(vm->platform);
	vm->platform = NULL;
}

bool platform_console_input(struct vm *vm, uint8_t byte)
{
	struct vm_platform *p = vm->platform;
	if (p->rx_head - p->rx_tail >= RX_QUEUE)
		return false;
	p->rx[p->rx_head++ % RX_QUEUE] = byte;
	return true;
}

bool platform_interrupt_pending(struct vcpu *v)
{
	(void)v;
	return false;
}

void platform_deliver_interrupts(struct vcpu *v) { (void)v; }

void platform_mmio(struct vcpu *v, const struct vcpu_exit *e) { mmio_emulate(v, e); }
