/* Bringing up the other CPUs (INIT-SIPI-SIPI) and per-CPU set-up shared by every CPU. */
#ifndef KERNEL_CPU_SMP_H
#define KERNEL_CPU_SMP_H

/* Starts every CPU the MADT lists, one at a time; returns when each is online or has timed out. Needs the
 * boot CPU's LAPIC timer running: the boot CPU halts while it waits, and under emulation the tick is what
 * reliably hands the time to the starting CPU. */
void smp_start(void);
/* Enables the FPU and SSE for this CPU (kernel threads may use them only through musl; state is saved on
 * every switch). */
void cpu_fpu_init(void);

#endif
