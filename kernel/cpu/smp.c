/* SMP bring-up: each AP runs the trampoline, then ap_main sets up its tables, LAPIC and idle thread. */
#include <stddef.h>
#include <string.h>
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/cpu/gdt.h"
#include "kernel/cpu/lapic.h"
#include "kernel/cpu/percpu.h"
#include "kernel/cpu/smp.h"
#include "kernel/layout.h"
#include "kernel/log.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/phys.h"
#include "kernel/mm/stack.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"

extern char ap_trampoline_start[], ap_trampoline_end[], ap_gdt[], ap_gdtr[], ap_far_jump[], ap_long_mode[];
extern char ap_cr3[], ap_efer[], ap_stack[], ap_cpu[], ap_entry_address[];

struct cpu cpus[MAX_CPUS];
unsigned cpu_count = 1;
volatile unsigned cpus_online = 1;
bool percpu_ready;

void cpu_fpu_init(void)
{
	write_cr0((read_cr0() & ~(1ull << 2)) | (1ull << 1) | (1ull << 5)); /* EM off, MP, NE */
	write_cr4(read_cr4() | (1ull << 9) | (1ull << 10));                /* OSFXSR, OSXMMEXCPT */
	__asm__ volatile("fninit");
}

static __attribute__((noreturn)) void ap_main(struct cpu *c)
{
	paging_init_ap();
	cpu_tables_init(c);
	cpu_fpu_init();
	lapic_enable();
	sched_init_cpu(c);
	__atomic_fetch_add(&cpus_online, 1, __ATOMIC_SEQ_CST);
	c->online = true;
	lapic_send_ipi(cpus[0].apic_id, VECTOR_RESCHEDULE);
	lapic_timer_start(SCHED_TICK_HZ);
	sched_idle();
}

static void patch64(char *page, char *field, uint64_t v) { memcpy(page + (field - ap_trampoline_start), &v, 8); }
static void patch32(char *page, char *field, uint32_t v) { memcpy(page + (field - ap_trampoline_start), &v, 4); }

/* Waits for c to report in, halting between checks: under emulation a spinning boot CPU would take the
 * time the starting CPU needs. The AP's reschedule IPI (or the timer) ends each halt. */
static void wait_online(struct cpu *c, uint64_t timeout_us)
{
	uint64_t deadline = rdtsc() + timeout_us * (time_tsc_hz() / 1000000);
	while (!c->online && rdtsc() < deadline)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

static int start_cpu(struct cpu *c, char *page, uint64_t page_pa)
{
	void *stack = stack_alloc(KERNEL_STACK_SIZE, "ap idle");
	if (!stack)
		return -1;
	patch64(page, ap_stack, (uint64_t)stack + KERNEL_STACK_SIZE);
	patch64(page, ap_cpu, (uint64_t)c);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/* CPUs from the last fifteen years need no 10 ms pause after INIT (Linux skips it too); a CPU that
	 * misses the first SIPI gets a second one. */
	lapic_send_init(c->apic_id);
	time_delay_us(100);
	for (int attempt = 0; attempt < 2 && !c->online; attempt++) {
		lapic_send_startup(c->apic_id, (uint8_t)(page_pa >> 12));
		wait_online(c, attempt ? 1000000 : 20000);
	}
	return c->online ? 0 : -1;
}

void smp_start(void)
{
	uint64_t flags = irq_save();
	uint64_t page_pa = phys_trampoline_page();
	char *page = phys_to_virt(page_pa);
	size_t size = (size_t)(ap_trampoline_end - ap_trampoline_start);
	memcpy(page, ap_trampoline_start, size);
	patch32(page, ap_gdtr + 2, (uint32_t)(page_pa + (uint64_t)(ap_gdt - ap_trampoline_start)));
	patch32(page, ap_far_jump, (uint32_t)(page_pa + (uint64_t)(ap_long_mode - ap_trampoline_start)));
	patch32(page, ap_cr3, (uint32_t)paging_kernel_cr3());
	patch32(page, ap_efer, (1u << 8) | (paging_has_nx() ? EFER_NXE : 0));
	patch64(page, ap_entry_address, (uint64_t)ap_main);

	paging_identity_low(1);
	for (unsigned i = 0; i < acpi.cpu_count && cpu_count < MAX_CPUS; i++) {
		if (acpi.cpu_apic_id[i] == cpus[0].apic_id)
			continue;
		struct cpu *c = &cpus[cpu_count];
		c->index = cpu_count++;
		c->apic_id = acpi.cpu_apic_id[i];
		if (start_cpu(c, page, page_pa))
			log_printf("cpu: CPU with APIC id %u did not start\n", c->apic_id);
	}
	paging_identity_low(0);
	irq_restore(flags);
}
