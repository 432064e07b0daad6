/* The emulated PC: the device models of hv/dev wired as on a real board. ISA interrupts go to both the PIC
 * pair and the IOAPIC (pin = IRQ); the PIC's output reaches vCPU 0 through LINT0 (ExtINT) as a BIOS sets it
 * up; the IOAPIC and IPIs reach the local APICs by destination. All device state is guarded by the bus lock.
 * Also here: the scratch MMIO page at 0xFEB00000 (behaves like memory, every access traps: for testing the
 * instruction emulator). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hv/backend.h"
#include "hv/dev/acpi_pm.h"
#include "hv/dev/ioapic.h"
#include "hv/dev/lapic.h"
#include "hv/dev/pic8259.h"
#include "hv/dev/pit8254.h"
#include "hv/dev/reset.h"
#include "hv/dev/rtc.h"
#include "hv/dev/uart16550.h"
#include "hv/mmio.h"
#include "hv/platform.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "kernel/arch.h"
#include "kernel/time.h"
#include "kernel/wallclock.h"

#define COM1_BASE 0x3f8
#define COM1_IRQ 4
#define PIT_BASE 0x40
#define PIT_IRQ 0
#define PORT61 0x61
#define RTC_BASE 0x70
#define RTC_IRQ 8
#define SCRATCH_BASE 0xfeb00000ull
#define SCRATCH_SIZE 4096
#define I8042_STATUS_OFFSET 4

struct vm_platform {
	struct vm *vm;
	struct pic8259 pic;
	struct pit8254 pit;
	struct rtc rtc;
	struct ioapic ioapic;
	struct uart16550 uart;
	struct acpi_pm pm;
	struct reset_dev reset;
	struct lapic lapic[VM_MAX_VCPUS];
	bool pic_output;
	uint8_t scratch[SCRATCH_SIZE];
};

uint64_t platform_now_ns(const struct vm *vm)
{
	return time_tsc_to_ns(rdtsc() - vm->start_tsc);
}

static uint64_t ns_to_tsc(const struct vm *vm, uint64_t ns)
{
	uint64_t hz = time_tsc_hz();
	return vm->start_tsc + ns / 1000000000ull * hz + ns % 1000000000ull * hz / 1000000000ull;
}

/* ---- interrupt wiring ---- */

static void isa_irq(void *ctx, unsigned line, bool level)
{
	struct vm_platform *p = ctx;
	pic8259_set_irq(&p->pic, line, level);
	ioapic_set_irq(&p->ioapic, line, level);
}

static struct dev_irq_line isa_line(struct vm_platform *p, unsigned irq)
{
	return (struct dev_irq_line){ isa_irq, p, irq };
}

static void pic_output(void *ctx, unsigned line, bool level)
{
	struct vm_platform *p = ctx;
	(void)line;
	p->pic_output = level;
	if (level && p->vm->vcpus[0])
		vcpu_kick(p->vm->vcpus[0]);
}

static void ioapic_deliver(void *ctx, uint8_t dest, bool logical, uint8_t mode, uint8_t vector, bool level)
{
	struct vm_platform *p = ctx;
	for (unsigned i = 0; i < p->vm->config.cpus; i++) {
		if (lapic_match_dest(&p->lapic[i], dest, logical)) {
			lapic_deliver(&p->lapic[i], mode, vector, level);
			vcpu_kick(p->vm->vcpus[i]);
		}
	}
}

static void lapic_send_ipi(void *ctx, const struct lapic_ipi *ipi)
{
	struct vm_platform *p = ctx;
	for (unsigned i = 0; i < p->vm->config.cpus; i++) {
		if (lapic_ipi_targets(&p->lapic[i], ipi)) {
			lapic_deliver(&p->lapic[i], ipi->delivery_mode, ipi->vector, ipi->level);
			vcpu_kick(p->vm->vcpus[i]);
		}
	}
}

static void lapic_eoi(void *ctx, uint8_t vector)
{
	struct vm_platform *p = ctx;
	ioapic_eoi(&p->ioapic, vector);
}

static void console_tx(void *ctx, uint8_t byte)
{
	struct vm_platform *p = ctx;
	char c = (char)byte;
	vm_console_write(p->vm, &c, 1);
}

static void power_off(void *ctx)
{
	struct vm_platform *p = ctx;
	vm_stop_from_guest(p->vm, "powered off by the guest (ACPI S5)");
}

static void reset_machine(void *ctx)
{
	struct vm_platform *p = ctx;
	vm_reset_from_guest(p->vm);
}

/* ---- bus adapters: offsets are relative to each range's base ---- */

#define PORT_DEVICE(name, read_expr, write_stmt)                                                 \
	static uint64_t name##_bus_read(void *dev, uint64_t off, unsigned size)                    \
	{                                                                                          \
		struct vm_platform *p = dev;                                                       \
		uint64_t now = platform_now_ns(p->vm);                                             \
		(void)now, (void)off, (void)size;                                                  \
		return read_expr;                                                                  \
	}                                                                                          \
	static void name##_bus_write(void *dev, uint64_t off, unsigned size, uint64_t val)         \
	{                                                                                          \
		struct vm_platform *p = dev;                                                       \
		uint64_t now = platform_now_ns(p->vm);                                             \
		(void)now, (void)off, (void)size;                                                  \
		write_stmt;                                                                        \
	}

PORT_DEVICE(pic_master, pic8259_read(&p->pic, PIC8259_WIN_MASTER, (unsigned)off, size),
	    pic8259_write(&p->pic, PIC8259_WIN_MASTER, (unsigned)off, size, val))
PORT_DEVICE(pic_slave, pic8259_read(&p->pic, PIC8259_WIN_SLAVE, (unsigned)off, size),
	    pic8259_write(&p->pic, PIC8259_WIN_SLAVE, (unsigned)off, size, val))
PORT_DEVICE(elcr, pic8259_read(&p->pic, PIC8259_WIN_ELCR, (unsigned)off, size),
	    pic8259_write(&p->pic, PIC8259_WIN_ELCR, (unsigned)off, size, val))
PORT_DEVICE(pit, pit8254_read(&p->pit, now, (unsigned)off, size),
	    pit8254_write(&p->pit, now, (unsigned)off, size, val))
PORT_DEVICE(port61, pit8254_read_port61(&p->pit, now), pit8254_write_port61(&p->pit, now, (uint8_t)val))
PORT_DEVICE(rtc, rtc_read(&p->rtc, now, (unsigned)off, size), rtc_write(&p->rtc, now, (unsigned)off, size, val))
PORT_DEVICE(uart, uart16550_read(&p->uart, (unsigned)off, size),
	    uart16550_write(&p->uart, (unsigned)off, size, val))
PORT_DEVICE(pm, acpi_pm_read(&p->pm, now, (unsigned)off, size),
	    acpi_pm_write(&p->pm, now, (unsigned)off, size, val))
PORT_DEVICE(cf9, reset_read(&p->reset, RESET_WIN_CF9, (unsigned)off, size),
	    reset_write(&p->reset, RESET_WIN_CF9, (unsigned)off, size, val))
PORT_DEVICE(i8042_data, reset_read(&p->reset, RESET_WIN_I8042, (unsigned)off, size),
	    reset_write(&p->reset, RESET_WIN_I8042, (unsigned)off, size, val))
PORT_DEVICE(i8042_cmd, reset_read(&p->reset, RESET_WIN_I8042, (unsigned)off + I8042_STATUS_OFFSET, size),
	    reset_write(&p->reset, RESET_WIN_I8042, (unsigned)off + I8042_STATUS_OFFSET, size, val))
PORT_DEVICE(post, reset_read(&p->reset, RESET_WIN_POST, (unsigned)off, size),
	    reset_write(&p->reset, RESET_WIN_POST, (unsigned)off, size, val))
PORT_DEVICE(ioapic, ioapic_read(&p->ioapic, (unsigned)off, size),
	    ioapic_write(&p->ioapic, (unsigned)off, size, val))

static uint64_t scratch_bus_read(void *dev, uint64_t off, unsigned size)
{
	struct vm_platform *p = dev;
	uint64_t v = 0;
	memcpy(&v, p->scratch + off, size);
	return v;
}

static void scratch_bus_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct vm_platform *p = dev;
	memcpy(p->scratch + off, &val, size);
}

struct port_range {
	uint16_t base, length;
	io_read_fn read;
	io_write_fn write;
	const char *name;
};

static const struct port_range ports[] = {
	{ PIC8259_MASTER_PORT, 2, pic_master_bus_read, pic_master_bus_write, "pic-master" },
	{ PIC8259_SLAVE_PORT, 2, pic_slave_bus_read, pic_slave_bus_write, "pic-slave" },
	{ PIC8259_ELCR_PORT, 2, elcr_bus_read, elcr_bus_write, "elcr" },
	{ PIT_BASE, 4, pit_bus_read, pit_bus_write, "pit" },
	{ PORT61, 1, port61_bus_read, port61_bus_write, "port61" },
	{ RTC_BASE, 2, rtc_bus_read, rtc_bus_write, "rtc" },
	{ COM1_BASE, 8, uart_bus_read, uart_bus_write, "com1" },
	{ ACPI_PM_PORT, ACPI_PM_PORTS, pm_bus_read, pm_bus_write, "acpi-pm" },
	{ RESET_CF9_PORT, 1, cf9_bus_read, cf9_bus_write, "reset" },
	{ RESET_I8042_PORT, 1, i8042_data_bus_read, i8042_data_bus_write, "i8042-data" },
	{ RESET_I8042_PORT + I8042_STATUS_OFFSET, 1, i8042_cmd_bus_read, i8042_cmd_bus_write, "i8042-command" },
	{ RESET_POST_PORT, 1, post_bus_read, post_bus_write, "post" },
};

int platform_create(struct vm *vm)
{
	struct vm_platform *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->vm = vm;
	vm->platform = p;
	uint64_t now = platform_now_ns(vm);
	pic8259_init(&p->pic, (struct dev_irq_line){ pic_output, p, 0 });
	pit8254_init(&p->pit, isa_line(p, PIT_IRQ));
	rtc_init(&p->rtc, isa_line(p, RTC_IRQ), wallclock_unix_ns(), now);
	uint64_t ram = vm->config.mem_bytes;
	rtc_set_memory_size(&p->rtc, ram < GUEST_LOW_RAM_LIMIT ? ram : GUEST_LOW_RAM_LIMIT,
			    ram > GUEST_LOW_RAM_LIMIT ? ram - GUEST_LOW_RAM_LIMIT : 0);
	/* Battery-backed CMOS bytes survive a guest's reset (the clock and memory size are set anew). */
	if (vm->cmos_saved)
		memcpy(p->rtc.cmos + 0x34, vm->cmos + 0x34, sizeof vm->cmos - 0x34);
	ioapic_init(&p->ioapic, (uint8_t)vm->config.cpus, ioapic_deliver, p);
	uart16550_init(&p->uart, console_tx, p, isa_line(p, COM1_IRQ));
	acpi_pm_init(&p->pm, isa_line(p, ACPI_PM_SCI_IRQ), power_off, p);
	reset_init(&p->reset, reset_machine, p);
	for (unsigned i = 0; i < vm->config.cpus; i++) {
		struct lapic_config cfg = { .id = (uint8_t)i, .send_ipi = lapic_send_ipi, .eoi = lapic_eoi, .ctx = p };
		lapic_init(&p->lapic[i], &cfg);
	}
	/* What a BIOS leaves for the boot processor: APIC enabled, LINT0 taking the PIC's interrupts (ExtINT),
	 * LINT1 as NMI. */
	lapic_write(&p->lapic[0], now, 0xf0, 4, 0x1ff);
	lapic_write(&p->lapic[0], now, 0x350, 4, 0x700);
	lapic_write(&p->lapic[0], now, 0x360, 4, 0x400);

	int e = 0;
	for (size_t i = 0; i < sizeof ports / sizeof ports[0] && !e; i++)
		e = io_bus_add_port(&vm->bus, ports[i].base, ports[i].length, ports[i].read, ports[i].write, p,
				    ports[i].name);
	if (!e)
		e = io_bus_add_mmio(&vm->bus, IOAPIC_BASE, IOAPIC_SIZE, ioapic_bus_read, ioapic_bus_write, p, "ioapic");
	if (!e)
		e = io_bus_add_mmio(&vm->bus, SCRATCH_BASE, SCRATCH_SIZE, scratch_bus_read, scratch_bus_write, p, "scratch");
	if (e) {
		platform_destroy(vm);
		return e;
	}
	return 0;
}

void platform_destroy(struct vm *vm)
{
	/* Detached under the bus lock: console input and device accesses check vm->platform under it. */
	uint64_t flags = spin_lock(&vm->bus.lock);
	struct vm_platform *p = vm->platform;
	vm->platform = NULL;
	spin_unlock(&vm->bus.lock, flags);
	if (!p)
		return;
	memcpy(vm->cmos, p->rtc.cmos, sizeof vm->cmos);
	vm->cmos_saved = true;
	free(p);
}

/* ---- per-vCPU: the local APIC page, timers, interrupt delivery ---- */

bool platform_local_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	if (gpa < LAPIC_BASE || gpa - LAPIC_BASE >= LAPIC_SIZE)
		return false;
	struct vm_platform *p = v->vm->platform;
	uint64_t flags = spin_lock(&v->vm->bus.lock);
	uint64_t now = platform_now_ns(v->vm);
	if (write)
		lapic_write(&p->lapic[v->index], now, (unsigned)(gpa - LAPIC_BASE), size, *val);
	else
		*val = lapic_read(&p->lapic[v->index], now, (unsigned)(gpa - LAPIC_BASE), size);
	spin_unlock(&v->vm->bus.lock, flags);
	return true;
}

int platform_lapic_tsc_deadline(struct vcpu *v, bool write, uint64_t *value)
{
	struct vm_platform *p = v->vm->platform;
	uint64_t flags = spin_lock(&v->vm->bus.lock);
	uint64_t now = platform_now_ns(v->vm);
	/* The guest's TSC is the host's; the device model counts guest nanoseconds. */
	if (write) {
		uint64_t target = *value > v->vm->start_tsc ? *value - v->vm->start_tsc : 0;
		uint64_t ns = *value ? time_tsc_to_ns(target) : 0;
		lapic_write_tsc_deadline(&p->lapic[v->index], now, *value ? (ns ? ns : 1) : 0);
	} else {
		uint64_t ns = lapic_read_tsc_deadline(&p->lapic[v->index]);
		*value = ns ? ns_to_tsc(v->vm, ns) : 0;
	}
	spin_unlock(&v->vm->bus.lock, flags);
	return 0;
}

/* Fires every device timer that is due; returns the next deadline (guest ns, UINT64_MAX for none). */
static uint64_t advance_timers(struct vm_platform *p, uint64_t now)
{
	pit8254_advance(&p->pit, now);
	rtc_advance(&p->rtc, now);
	uint64_t next = pit8254_next_deadline(&p->pit);
	uint64_t d = rtc_next_deadline(&p->rtc);
	if (d < next)
		next = d;
	for (unsigned i = 0; i < p->vm->config.cpus; i++) {
		lapic_advance(&p->lapic[i], now);
		d = lapic_next_deadline(&p->lapic[i]);
		if (d < next)
			next = d;
	}
	return next;
}

/* A vector the guest should take now: the local APIC's, or (vCPU 0 with LINT0 in ExtINT) the PIC's. */
static bool has_interrupt(struct vm_platform *p, struct vcpu *v)
{
	return lapic_pending_vector(&p->lapic[v->index]) >= 0 ||
	       (v->index == 0 && p->pic_output && lapic_extint_enabled(&p->lapic[0]));
}

bool platform_interrupt_pending(struct vcpu *v)
{
	struct vm_platform *p = v->vm->platform;
	/* Read without the bus lock (its waiters hold the queue's lock): a stale answer only costs a loop. */
	if (v->waiting_for_sipi)
		return p->lapic[v->index].sipi_vector >= 0 || p->lapic[v->index].init_pending;
	return p->lapic[v->index].nmi_pending || ((v->rflags & (1u << 9)) && has_interrupt(p, v));
}

uint64_t platform_deliver_interrupts(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vm_platform *p = vm->platform;
	struct lapic *l = &p->lapic[v->index];
	uint64_t flags = spin_lock(&vm->bus.lock);
	uint64_t next = advance_timers(p, platform_now_ns(vm));

	if (lapic_take_init(l)) {
		/* INIT: the vCPU stops and waits for a start-up IPI, as a real processor does. */
		v->waiting_for_sipi = true;
		v->halted = false;
	}
	int sipi = lapic_take_sipi(l);
	if (sipi >= 0 && v->waiting_for_sipi) {
		hv->vcpu_reset_real(v, (uint16_t)(sipi << 8), 0);
		v->waiting_for_sipi = false;
		v->halted = false;
	}
	if (!v->waiting_for_sipi) {
		if (lapic_take_nmi(l)) {
			hv->vcpu_inject(v, VCPU_EVENT_NMI, 2, false, 0);
			v->halted = false;
		} else if (has_interrupt(p, v)) {
			if (hv->vcpu_interruptible(v)) {
				int vector = lapic_pending_vector(l);
				if (vector >= 0)
					lapic_acknowledge(l, (uint8_t)vector);
				else
					vector = pic8259_acknowledge(&p->pic);
				hv->vcpu_inject(v, VCPU_EVENT_INTERRUPT, (uint8_t)vector, false, 0);
				v->halted = false;
			} else {
				hv->vcpu_request_window(v);
			}
		}
	}
	spin_unlock(&vm->bus.lock, flags);
	return next == UINT64_MAX ? 0 : ns_to_tsc(vm, next);
}

bool platform_console_input(struct vm *vm, uint8_t byte)
{
	return uart16550_receive(&vm->platform->uart, byte);
}

bool platform_power_button(struct vm *vm)
{
	return acpi_pm_press_power_button(&vm->platform->pm);
}

void platform_mmio(struct vcpu *v, const struct vcpu_exit *e) { mmio_emulate(v, e); }
