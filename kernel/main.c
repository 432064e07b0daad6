/* kmain: the boot CPU's path from the Multiboot2 hand-off to the shell. The order matters: memory before
 * the heap, the heap before CPU tables (IST stacks), ACPI before timers and the other CPUs. */
#include <stdint.h>
#include "drivers/pci.h"
#include "drivers/uart.h"
#include "hv/backend.h"
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/boot/boot_info.h"
#include "kernel/cpu/features.h"
#include "kernel/cpu/gdt.h"
#include "kernel/cpu/irq.h"
#include "kernel/cpu/lapic.h"
#include "kernel/cpu/percpu.h"
#include "kernel/cpu/smp.h"
#include "kernel/crypto/host_identity.h"
#include "kernel/crypto/random.h"
#include "kernel/log.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/phys.h"
#include "kernel/panic.h"
#include "kernel/sched/thread.h"
#include "kernel/settings.h"
#include "kernel/time.h"
#include "kernel/version.h"
#include "kernel/wallclock.h"
#include "net/net.h"
#include "shell/net_shell.h"
#include "shell/remote_access.h"
#include "shell/serial.h"

struct boot_info boot_info;

static void on_timer(void *ctx)
{
	(void)ctx;
	sched_tick();
}

static void on_reschedule(void *ctx)
{
	(void)ctx;
	this_cpu()->need_resched = true;
}

/* The host key (about 19 M instructions to generate) is made beside the shell, not before its prompt; the
 * network shell opens when it exists. */
static void make_host_key(void *arg)
{
	(void)arg;
	host_identity_init();
	remote_access_key_ready();
}

/* Work that must block (enabling virtualization waits for every CPU) runs here, not in kmain, which is
 * the boot CPU's idle thread and must never sleep. */
static void init_then_shell(void *entry_tsc)
{
	bool entropy = random_init();
	remote_access_init();
	/* Named CPUs: the round-robin placement of the threads created after these (vCPUs) stays as it was. */
	int other_cpu = (int)((this_cpu()->index + 1) % cpus_online);
	if (!entropy || !thread_create("host-key", make_host_key, NULL, other_cpu))
		remote_access_key_ready();
	net_shell_start((int)this_cpu()->index);
	hv_init();
	shell_serial_main(entry_tsc);
}

static void report_virtualization(void)
{
	const char *virt = cpu_virtualization_name();
	if (virt)
		log_printf("virtualization: %s\n", virt);
	else
		log_printf("virtualization unavailable: %s\n", cpu_features.virtualization_missing);
}

__attribute__((noreturn)) void kmain(uint32_t magic, uint32_t info_phys)
{
	uint64_t entry_tsc = rdtsc();
	cpu_fpu_init(); /* musl's formatting uses SSE */
	uart_init();
	log_printf("\nKeel %s\n", KEEL_VERSION);
	if (boot_info_parse(magic, info_phys, &boot_info))
		panic("not started by a Multiboot2 boot loader (magic %#x)", magic);
	log_printf("boot: %s, %s firmware, %u memory ranges, %u modules\n",
		   boot_info.loader[0] ? boot_info.loader : "unknown loader", boot_info.efi ? "UEFI" : "BIOS",
		   boot_info.memory_range_count, boot_info.module_count);

	cpu_features_detect();
	phys_init(&boot_info);
	paging_init();
	if (!paging_has_nx())
		log_printf("cpu: no NX bit: data and stacks stay executable (W^X not enforced)\n");

	struct cpu *bsp = &cpus[0];
	idt_init();
	cpu_tables_init(bsp);
	percpu_ready = true;
	if (acpi_init(&boot_info))
		log_printf("acpi: no usable ACPI tables; running on the boot CPU only\n");
	lapic_enable();
	bsp->apic_id = lapic_id();
	time_init();
	wallclock_init();
	irq_init();
	irq_register_vector(VECTOR_TIMER, on_timer, NULL);
	irq_register_vector(VECTOR_RESCHEDULE, on_reschedule, NULL);
	sched_init_cpu(bsp);
	bsp->online = true;

	lapic_timer_start(SCHED_TICK_HZ);
	/* Before the other CPUs run: sizing BARs turns each device's decoding off and on, and every such change
	 * rebuilds the emulated machine's memory map, which QEMU's TCG races with the CPUs that are running
	 * (their device accesses, EOIs included, can go astray: docs/EMULATOR_FAULTS.md). */
	pci_init();
	smp_start();
	log_printf("cpu: %u CPUs online\n", cpus_online);
	log_printf("memory: %llu MiB usable, %llu MiB free\n", (unsigned long long)(phys_total_bytes() >> 20),
		   (unsigned long long)(phys_free_bytes() >> 20));
	irq_enable();

	settings_load(&boot_info);
	report_virtualization();
	net_init();
	uart_enable_rx();
	if (!thread_create("shell", init_then_shell, (void *)(uintptr_t)entry_tsc, 0))
		panic("cannot start the shell thread");
	sched_idle();
}
