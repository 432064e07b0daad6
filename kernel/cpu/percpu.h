/* Per-CPU state, reached through GS (GS base points at the CPU's struct cpu, whose first field is itself). */
#ifndef KERNEL_CPU_PERCPU_H
#define KERNEL_CPU_PERCPU_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/sched/spinlock.h"

#define MAX_CPUS 64

struct thread;

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct run_queue {
	struct spinlock lock;
	struct thread *head, *tail;
	unsigned length;
};

struct cpu {
	struct cpu *self;
	unsigned index;
	uint32_t apic_id;
	volatile bool online;
	struct thread *current;
	struct thread *idle;
	struct run_queue run_queue;
	struct thread *timed_sleepers; /* threads of this CPU in a timed sleep, linked by timer_next */
	volatile bool need_resched;
	unsigned preempt_disabled; /* nesting count: while non-zero, interrupts do not switch threads */
	uint64_t ticks;
	uint64_t gdt[5];
	struct tss tss;
};

extern struct cpu cpus[MAX_CPUS];
extern unsigned cpu_count;         /* CPUs the firmware listed */
extern volatile unsigned cpus_online;

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* Set once the boot CPU's per-CPU data exists (GS points at it). */
extern bool percpu_ready;

/* Keeps the running thread on this CPU until preempt_enable, with interrupts still served: for locks held
 * across slow work (the console) that interrupt handlers never take. */
static inline void preempt_disable(void)
{
	if (percpu_ready)
		this_cpu()->preempt_disabled++;
}

static inline void preempt_enable(void)
{
	if (percpu_ready)
		this_cpu()->preempt_disabled--;
}

#endif
