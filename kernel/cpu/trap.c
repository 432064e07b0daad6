/* The C side of every interrupt and exception: host exceptions panic, NMIs during a panic halt, device
 * interrupts go to their handlers, and a pending reschedule happens on the way out. */
#include "kernel/arch.h"
#include "kernel/cpu/irq.h"
#include "kernel/cpu/lapic.h"
#include "kernel/cpu/percpu.h"
#include "kernel/cpu/trap.h"
#include "kernel/panic.h"
#include "kernel/sched/thread.h"

void trap_entry(struct trap_frame *f)
{
	if (f->vector == 2 && panic_in_progress()) {
		for (;;) {
			irq_disable();
			cpu_halt();
		}
	}
	if (f->vector < 32)
		panic_exception(f);
	irq_dispatch((uint8_t)f->vector);
	if (this_cpu()->need_resched && !this_cpu()->preempt_disabled)
		schedule();
}
