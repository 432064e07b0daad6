/* Local APIC access through the direct map (the page is device memory, mapped uncached). */
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/cpu/lapic.h"
#include "kernel/mm/phys.h"
#include "kernel/time.h"

enum {
	REG_ID = 0x20,
	REG_TPR = 0x80,
	REG_EOI = 0xb0,
	REG_SVR = 0xf0,
	REG_ICR_LOW = 0x300,
	REG_ICR_HIGH = 0x310,
	REG_LVT_TIMER = 0x320,
	REG_LVT_LINT0 = 0x350,
	REG_LVT_LINT1 = 0x360,
	REG_TIMER_INITIAL = 0x380,
	REG_TIMER_CURRENT = 0x390,
	REG_TIMER_DIVIDE = 0x3e0,
};

static volatile uint32_t *lapic_regs;
static uint32_t timer_ticks_per_second;

static uint32_t rd(unsigned reg) { return lapic_regs[reg / 4]; }
static void wr(unsigned reg, uint32_t v) { lapic_regs[reg / 4] = v; }

void lapic_enable(void)
{
	if (!lapic_regs) {
		uint64_t base = acpi.lapic_address ? acpi.lapic_address : (rdmsr(MSR_APIC_BASE) & ~0xfffull);
		lapic_regs = phys_to_virt(base);
	}
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
	wr(REG_TPR, 0);
	wr(REG_LVT_LINT0, 1u << 16);
	wr(REG_LVT_LINT1, 4u << 8); /* NMI */
	wr(REG_SVR, 0x100 | VECTOR_SPURIOUS);
}

uint32_t lapic_id(void) { return rd(REG_ID) >> 24; }
void lapic_eoi(void) { wr(REG_EOI, 0); }

/* Interrupts off across the two ICR writes: a handler that sends its own IPI in between (a wake-up from a
 * device interrupt) would leave this one going to the handler's destination. */
static void send(uint32_t apic_id, uint32_t low)
{
	uint64_t flags = irq_save();
	while (rd(REG_ICR_LOW) & (1u << 12))
		cpu_relax();
	wr(REG_ICR_HIGH, apic_id << 24);
	wr(REG_ICR_LOW, low);
	irq_restore(flags);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector) { send(apic_id, vector); }
void lapic_send_init(uint32_t apic_id) { send(apic_id, 0x4500); }
void lapic_send_startup(uint32_t apic_id, uint8_t page) { send(apic_id, 0x4600 | page); }
void lapic_send_nmi_others(void) { send(0, (3u << 18) | 0x400); }

void lapic_timer_start(unsigned hz)
{
	wr(REG_TIMER_DIVIDE, 0x3); /* divide by 16 */
	if (!timer_ticks_per_second) {
		wr(REG_LVT_TIMER, 1u << 16); /* masked one-shot while measuring */
		wr(REG_TIMER_INITIAL, 0xffffffff);
		time_delay_us(2000);
		timer_ticks_per_second = (0xffffffff - rd(REG_TIMER_CURRENT)) * 500;
		wr(REG_TIMER_INITIAL, 0);
	}
	wr(REG_LVT_TIMER, (1u << 17) | VECTOR_TIMER); /* periodic */
	wr(REG_TIMER_INITIAL, timer_ticks_per_second / hz);
}
