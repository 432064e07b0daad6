/* libFuzzer target for hv/dev/: every device model wired together as a VM wires them (PIT, UART, RTC and SCI
 * into the PIC pair and the IOAPIC, the IOAPIC and IPIs into two local APICs, EOIs back to the IOAPIC), driven by
 * random reads, writes, outside events and time steps. Checks that nothing crashes or trips a sanitizer, that
 * after advancing a timer its next deadline lies in the future, and that outputs stay within their ranges. */
#include "../../hv/dev/acpi_pm.h"
#include "../../hv/dev/ioapic.h"
#include "../../hv/dev/lapic.h"
#include "../../hv/dev/pic8259.h"
#include "../../hv/dev/pit8254.h"
#include "../../hv/dev/reset.h"
#include "../../hv/dev/rtc.h"
#include "../../hv/dev/uart16550.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NCPU 2

struct vm {
	struct pic8259 pic;
	struct ioapic ioapic;
	struct lapic lapic[NCPU];
	struct pit8254 pit;
	struct uart16550 uart;
	struct rtc rtc;
	struct acpi_pm pm;
	struct reset_dev reset;
	bool intr;
	unsigned depth;   /* callback nesting, bounded */
	uint64_t events;
};

static struct vm vm;

static void isa_irq(void *ctx, unsigned line, bool level)
{
	struct vm *v = ctx;

	if (line >= 16)
		abort();
	pic8259_set_irq(&v->pic, line, level);
	ioapic_set_irq(&v->ioapic, line == 0 ? 2 : line, level);   /* the usual ISA override: IRQ 0 on pin 2 */
}

static void intr_out(void *ctx, unsigned line, bool level)
{
	struct vm *v = ctx;

	(void)line;
	v->intr = level;
}

static void deliver(void *ctx, uint8_t dest, bool logical, uint8_t mode, uint8_t vector, bool level)
{
	struct vm *v = ctx;

	if (++v->depth > 8)
		abort();
	for (unsigned i = 0; i < NCPU; i++)
		if (lapic_match_dest(&v->lapic[i], dest, logical))
			lapic_deliver(&v->lapic[i], mode, vector, level);
	v->depth--;
}

static void send_ipi(void *ctx, const struct lapic_ipi *ipi)
{
	struct vm *v = ctx;

	if (++v->depth > 8 || ipi->delivery_mode > 7 || ipi->shorthand > 3)
		abort();
	for (unsigned i = 0; i < NCPU; i++)
		if (lapic_ipi_targets(&v->lapic[i], ipi))
			lapic_deliver(&v->lapic[i], ipi->delivery_mode, ipi->vector, ipi->level);
	v->depth--;
}

static void eoi(void *ctx, uint8_t vector)
{
	struct vm *v = ctx;

	if (++v->depth > 8)
		abort();
	ioapic_eoi(&v->ioapic, vector);
	v->depth--;
}

static void count_event(void *ctx)
{
	((struct vm *)ctx)->events++;
}

static void tx(void *ctx, uint8_t byte)
{
	((struct vm *)ctx)->events += byte;
}

/* Reads little-endian bytes from the input; past the end, zeros. */
struct cursor {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct cursor *c, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && c->n; i++, c->p++, c->n--)
		v |= (uint64_t)*c->p << (8 * i);
	return v;
}

/* Advances every timer that is due, as the vCPU loop does, and checks the deadline moved past now. */
static void run_timers(uint64_t now)
{
	if (pit8254_next_deadline(&vm.pit) <= now) {
		pit8254_advance(&vm.pit, now);
		if (pit8254_next_deadline(&vm.pit) <= now)
			abort();
	}
	if (rtc_next_deadline(&vm.rtc) <= now) {
		rtc_advance(&vm.rtc, now);
		if (rtc_next_deadline(&vm.rtc) <= now)
			abort();
	}
	for (unsigned i = 0; i < NCPU; i++) {
		if (lapic_next_deadline(&vm.lapic[i]) <= now) {
			lapic_advance(&vm.lapic[i], now);
			if (lapic_next_deadline(&vm.lapic[i]) <= now)
				abort();
		}
	}
}

/* What the vCPU layer does at an interrupt window: take the LAPIC's vector, or the PIC's through ExtINT. */
static void inject(unsigned cpu)
{
	struct lapic *l = &vm.lapic[cpu];
	int v = lapic_pending_vector(l);

	if (v >= 0) {
		if (v < 16 || v > 255)
			abort();
		lapic_acknowledge(l, (uint8_t)v);
	} else if (cpu == 0 && lapic_extint_enabled(l) && vm.intr) {
		v = pic8259_acknowledge(&vm.pic);
		if (v < 0 || v > 255)
			abort();
	}
	lapic_take_nmi(l);
	lapic_take_init(l);
	if (lapic_take_sipi(l) > 255)
		abort();
}

static unsigned port_offset(uint64_t raw)
{
	/* Mostly small offsets, sometimes anything. */
	return (raw & 0x8000) ? (unsigned)(0xFFFFFFFFu - (raw & 0xFF)) : (unsigned)(raw & 0xF);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data, size };
	uint64_t now = take(&c, 4);

	memset(&vm, 0, sizeof(vm));
	pic8259_init(&vm.pic, (struct dev_irq_line){ intr_out, &vm, 0 });
	ioapic_init(&vm.ioapic, NCPU, deliver, &vm);
	for (unsigned i = 0; i < NCPU; i++) {
		struct lapic_config cfg = { (uint8_t)i, (i ? take(&c, 5) : 0), send_ipi, eoi, &vm };

		lapic_init(&vm.lapic[i], &cfg);
	}
	pit8254_init(&vm.pit, (struct dev_irq_line){ isa_irq, &vm, PIT8254_IRQ });
	uart16550_init(&vm.uart, tx, &vm, (struct dev_irq_line){ isa_irq, &vm, UART16550_COM1_IRQ });
	rtc_init(&vm.rtc, (struct dev_irq_line){ isa_irq, &vm, RTC_IRQ }, take(&c, 5), now);
	acpi_pm_init(&vm.pm, (struct dev_irq_line){ isa_irq, &vm, ACPI_PM_SCI_IRQ }, count_event, &vm);
	reset_init(&vm.reset, count_event, &vm);

	while (c.n) {
		uint8_t op = (uint8_t)take(&c, 1);
		uint64_t raw = take(&c, 2), value, step;
		unsigned size = (unsigned)(take(&c, 1) % 10), off = port_offset(raw), cpu = op & 1;
		bool write = op & 0x10;

		value = take(&c, (op >> 5) + 1);   /* 1-8 value bytes */
		step = take(&c, 1);
		now += (step & 0x0F) << ((step >> 4) * 3);   /* from nanoseconds to hours */
		run_timers(now);
		switch ((op >> 1) & 7) {
		case 0:
			if (write)
				pit8254_write(&vm.pit, now, off, size, value);
			else
				pit8254_read(&vm.pit, now, off, size);
			if (raw & 0x10)
				pit8254_write_port61(&vm.pit, now, (uint8_t)value);
			else
				pit8254_read_port61(&vm.pit, now);
			break;
		case 1:
			if (write)
				uart16550_write(&vm.uart, off, size, value);
			else
				uart16550_read(&vm.uart, off, size);
			if (raw & 0x10)
				uart16550_receive(&vm.uart, (uint8_t)value);
			if (vm.uart.rx_count > UART16550_FIFO)
				abort();
			break;
		case 2:
			if (write)
				rtc_write(&vm.rtc, now, off, size, value);
			else
				rtc_read(&vm.rtc, now, off, size);
			break;
		case 3:
			if (write)
				pic8259_write(&vm.pic, (unsigned)(raw >> 4) & 3, off, size, value);
			else
				pic8259_read(&vm.pic, (unsigned)(raw >> 4) & 3, off, size);
			if ((pic8259_pending_vector(&vm.pic) >= 0) != vm.intr)
				abort();
			break;
		case 4:
			if (raw & 0x8000)
				off = (unsigned)raw;
			else
				off = (unsigned)raw & 0x1F;
			if (write)
				ioapic_write(&vm.ioapic, off, size, value);
			else
				ioapic_read(&vm.ioapic, off, size);
			if (raw & 0x4000)
				isa_irq(&vm, (unsigned)(value >> 8) % 16, value & 1);
			break;
		case 5:
			off = (raw & 0x8000) ? (unsigned)(raw << 4) : (unsigned)(raw & 0x3FF);
			if (write)
				lapic_write(&vm.lapic[cpu], now, off, size, value);
			else
				lapic_read(&vm.lapic[cpu], now, off, size);
			if (raw & 0x4000)
				lapic_write_tsc_deadline(&vm.lapic[cpu], now, now + (value & 0xFFFFFF) - 0x100000);
			break;
		case 6:
			if (write)
				acpi_pm_write(&vm.pm, now, off, size, value);
			else
				acpi_pm_read(&vm.pm, now, off, size);
			if (raw & 0x10)
				acpi_pm_press_power_button(&vm.pm);
			break;
		default:
			if (write)
				reset_write(&vm.reset, (unsigned)(raw >> 4) & 3, off, size, value);
			else
				reset_read(&vm.reset, (unsigned)(raw >> 4) & 3, off, size);
			if (raw & 0x10)
				inject(cpu);
			break;
		}
	}
	run_timers(now);
	return 0;
}
