/* Kernel threads and the per-CPU preemptive scheduler. A thread stays on the CPU it was created on. */
#ifndef KERNEL_SCHED_THREAD_H
#define KERNEL_SCHED_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The scheduler tick on every CPU: the time slice and the resolution of timed sleeps. */
#define SCHED_TICK_HZ 1000

enum thread_state { THREAD_RUNNABLE, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

struct cpu;

struct thread {
	uint64_t rsp; /* saved by context_switch */
	struct thread *next;
	enum thread_state state;
	struct cpu *cpu;
	char name[32];
	void *stack_bottom;
	size_t stack_size;
	void (*fn)(void *arg);
	void *arg;
	void *libc_block; /* musl's per-thread block; FS base while the thread runs */
	uint64_t wake_tsc;  /* a timed sleep ends here (0: untimed); the tick of the thread's CPU checks it */
	struct thread *timer_next;
	bool timer_listed;  /* on its CPU's timed_sleepers list (it may stay listed after an early wake) */
	uint8_t fpu_state[512] __attribute__((aligned(16)));
};

/* Turns the running boot code of CPU c into c's idle thread and sets up its run queue. */
void sched_init_cpu(struct cpu *c);
/* Creates a runnable thread on CPU cpu_index (-1: spread round-robin) with a KERNEL_STACK_SIZE stack. NULL
 * when out of memory. */
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg, int cpu_index);
/* The same with a stack of stack_size bytes (a multiple of 4 KiB, at most 60 KiB; see stack_alloc). */
struct thread *thread_create_with_stack(const char *name, void (*fn)(void *), void *arg, int cpu_index,
					size_t stack_size);
/* Ends the calling thread. */
__attribute__((noreturn)) void thread_exit(void);
struct thread *thread_current(void);
/* Gives the CPU to the next runnable thread, if any. Callable with interrupts on or off. */
void schedule(void);
/* Marks the calling thread blocked (with an optional TSC deadline) before it calls schedule(); a wake in
 * between leaves it runnable, so nothing is lost. Called with interrupts off. */
void thread_prepare_sleep(struct thread *self, uint64_t wake_tsc);
/* Makes a blocked thread runnable on its CPU. */
void thread_wake(struct thread *t);
/* The idle loop of the calling CPU; never returns. */
__attribute__((noreturn)) void sched_idle(void);
/* The timer tick: wakes timed sleepers that are due, counts, and asks for preemption when others wait. */
void sched_tick(void);

#endif
