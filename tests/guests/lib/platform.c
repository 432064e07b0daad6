/* The PC devices as the test guests drive them (see platform.h). */
#include "guest.h"
#include "platform.h"

#define PIC1 0x20
#define PIC2 0xa0
#define PIT_CH0 0x40
#define PIT_MODE 0x43
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define PM_TIMER 0x608

void pic_init(uint8_t base1, uint8_t base2)
{
	outb(PIC1, 0x11);
	outb(PIC2, 0x11);
	outb(PIC1 + 1, base1);
	outb(PIC2 + 1, base2);
	outb(PIC1 + 1, 4);
	outb(PIC2 + 1, 2);
	outb(PIC1 + 1, 1);
	outb(PIC2 + 1, 1);
	pic_set_mask(0xffff);
}

void pic_set_mask(uint16_t mask)
{
	outb(PIC1 + 1, (uint8_t)mask);
	outb(PIC2 + 1, (uint8_t)(mask >> 8));
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2, 0x20);
	outb(PIC1, 0x20);
}

void pit_periodic(uint16_t divisor)
{
	outb(PIT_MODE, 0x34);
	outb(PIT_CH0, (uint8_t)divisor);
	outb(PIT_CH0, (uint8_t)(divisor >> 8));
}

void pit_stop(void)
{
	outb(PIT_MODE, 0x30);
}

uint8_t cmos_read(uint8_t index)
{
	outb(CMOS_INDEX, index);
	return inb(CMOS_DATA);
}

void cmos_write(uint8_t index, uint8_t value)
{
	outb(CMOS_INDEX, index);
	outb(CMOS_DATA, value);
}

uint32_t pm_timer(void)
{
	return inl(PM_TIMER);
}

uint32_t pm_elapsed_us(uint32_t since)
{
	uint32_t ticks = (pm_timer() - since) & 0xffffff;
	return (uint32_t)((uint64_t)ticks * 4577 >> 14); /* ticks / 3.579545 */
}

void pm_delay_us(uint32_t us)
{
	uint32_t start = pm_timer();
	while (pm_elapsed_us(start) < us)
		cpu_pause();
}

uint32_t lapic_read(unsigned reg)
{
	return mmio_read32(LAPIC_BASE + reg);
}

void lapic_write(unsigned reg, uint32_t v)
{
	mmio_write32(LAPIC_BASE + reg, v);
}

void lapic_enable(int bsp)
{
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, bsp ? 0x700 : LAPIC_MASKED);
	lapic_write(LAPIC_LVT_LINT1, bsp ? 0x400 : LAPIC_MASKED);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_MASKED);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_ipi(uint32_t dest, uint32_t low)
{
	lapic_write(LAPIC_ICR_HI, dest << 24);
	lapic_write(LAPIC_ICR_LO, low);
	for (int i = 0; i < 1000 && (lapic_read(LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_pause();
}

uint32_t lapic_timer_ticks_per_ms(unsigned ms)
{
	lapic_write(LAPIC_TIMER_DIVIDE, 3);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_MASKED);
	uint32_t start = pm_timer();
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	pm_delay_us(ms * 1000);
	uint32_t left = lapic_read(LAPIC_TIMER_CURRENT);
	uint32_t us = pm_elapsed_us(start);
	lapic_write(LAPIC_TIMER_INIT, 0);
	uint32_t ticks = 0xffffffffu - left, whole_ms = (us + 500) / 1000;
	return whole_ms ? ticks / whole_ms : 0;
}

uint32_t ioapic_read(unsigned reg)
{
	mmio_write32(IOAPIC_BASE, reg);
	return mmio_read32(IOAPIC_BASE + 0x10);
}

void ioapic_write(unsigned reg, uint32_t v)
{
	mmio_write32(IOAPIC_BASE, reg);
	mmio_write32(IOAPIC_BASE + 0x10, v);
}

void ioapic_route(unsigned pin, uint8_t vector, uint8_t dest, int masked)
{
	ioapic_write(0x11 + 2 * pin, (uint32_t)dest << 24);
	ioapic_write(0x10 + 2 * pin, vector | (masked ? LAPIC_MASKED : 0));
}

int wait_for(volatile unsigned *counter, unsigned target, unsigned max_wakeups)
{
	unsigned n = 0;
	cpu_cli();
	while (*counter < target && n++ < max_wakeups) {
		cpu_sti_hlt();
		cpu_cli();
	}
	cpu_sti();
	return *counter >= target;
}
