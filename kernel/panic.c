/* Panic reports: the first CPU to panic prints, stops the others with an NMI and halts. The report is
 * written without locks or the heap, since either may be what broke. */
#include <stdarg.h>
#include <stdio.h>
#include "drivers/uart.h"
#include "kernel/arch.h"
#include "kernel/cpu/lapic.h"
#include "kernel/cpu/percpu.h"
#include "kernel/cpu/trap.h"
#include "kernel/ksyms.h"
#include "kernel/layout.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/stack.h"
#include "kernel/panic.h"

extern char __data_start[], __kernel_end[];


static volatile int panicking;

int panic_in_progress(void) { return panicking; }

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		uart_write_unlocked(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static __attribute__((noreturn)) void halt_forever(void)
{
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}

/* Only the first panic reports; a second CPU (or a fault inside the report) just halts. */
static void enter_panic(void)
{
	irq_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		halt_forever();
	if (cpus_online > 1)
		lapic_send_nmi_others();
}

static unsigned cpu_number(void)
{
	/* GS may not be set up yet when the boot CPU faults very early. */
	return rdmsr(MSR_GS_BASE) ? this_cpu()->index : 0;
}

static void print_address(uint64_t addr)
{
	uint64_t off;
	const char *name = ksym_lookup(addr, &off);
	if (name)
		out("0x%016llx <%s+0x%llx>", (unsigned long long)addr, name, (unsigned long long)off);
	else
		out("0x%016llx", (unsigned long long)addr);
}

/* A frame pointer is followed only while it points into a mapped stack. */
static int plausible_frame(uint64_t rbp)
{
	if (rbp & 7)
		return 0;
	int in_stacks = rbp >= STACK_AREA_BASE && rbp < STACK_AREA_BASE + STACK_AREA_SIZE;
	int in_kernel = rbp >= (uint64_t)__data_start && rbp < (uint64_t)__kernel_end;
	return (in_stacks || in_kernel) && paging_is_mapped(rbp) && paging_is_mapped(rbp + 8);
}

static void backtrace(uint64_t rip, uint64_t rbp)
{
	out("backtrace:\n  ");
	print_address(rip);
	out("\n");
	for (int depth = 0; depth < 24 && plausible_frame(rbp); depth++) {
		uint64_t *frame = (uint64_t *)rbp;
		if (!frame[1])
			break;
		out("  ");
		print_address(frame[1]);
		out("\n");
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

static __attribute__((noreturn)) void finish(void)
{
	out("halted: all cpus stopped\n");
	halt_forever();
}

void panic(const char *fmt, ...)
{
	enter_panic();
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	out("\nPANIC: %s on cpu %u\n", buf, cpu_number());
	backtrace((uint64_t)__builtin_return_address(0), (uint64_t)__builtin_frame_address(0));
	finish();
}

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
	"#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved", "#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
};

void panic_exception(const struct trap_frame *f)
{
	enter_panic();
	uint64_t cr2 = read_cr2();
	const char *name = f->vector < 32 && exception_names[f->vector] ? exception_names[f->vector] : "reserved";
	out("\nPANIC: exception %llu (%s) on cpu %u\n", (unsigned long long)f->vector, name, cpu_number());
	out("  error 0x%016llx  cr2 0x%016llx\n", (unsigned long long)f->error, (unsigned long long)cr2);
	if (f->vector == 14)
		out("  page fault: %s %s at 0x%016llx%s\n", f->error & 1 ? "protection violation" : "not-present page",
		    f->error & 16 ? "on instruction fetch" : f->error & 2 ? "on write" : "on read",
		    (unsigned long long)cr2, f->error & 16 ? " (no-execute)" : "");
	const char *owner = stack_guard_owner(cr2);
	if (owner)
		out("  stack overflow: guard page of thread '%s' hit\n", owner);
	out("  rip ");
	print_address(f->rip);
	out("  rsp 0x%016llx  rflags 0x%016llx\n", (unsigned long long)f->rsp, (unsigned long long)f->rflags);
	out("  rax 0x%016llx  rbx 0x%016llx  rcx 0x%016llx  rdx 0x%016llx\n", (unsigned long long)f->rax,
	    (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	out("  rsi 0x%016llx  rdi 0x%016llx  rbp 0x%016llx  r8  0x%016llx\n", (unsigned long long)f->rsi,
	    (unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->r8);
	out("  r9  0x%016llx  r10 0x%016llx  r11 0x%016llx  r12 0x%016llx\n", (unsigned long long)f->r9,
	    (unsigned long long)f->r10, (unsigned long long)f->r11, (unsigned long long)f->r12);
	out("  r13 0x%016llx  r14 0x%016llx  r15 0x%016llx\n", (unsigned long long)f->r13,
	    (unsigned long long)f->r14, (unsigned long long)f->r15);
	out("  cs 0x%llx  ss 0x%llx  cr0 0x%llx  cr3 0x%llx  cr4 0x%llx\n", (unsigned long long)f->cs,
	    (unsigned long long)f->ss, (unsigned long long)read_cr0(), (unsigned long long)read_cr3(),
	    (unsigned long long)read_cr4());
	backtrace(f->rip, f->rbp);
	finish();
}
