/* Wait queues: a thread sleeps until a condition holds; wakers re-check it for them. */
#ifndef KERNEL_SCHED_WAIT_H
#define KERNEL_SCHED_WAIT_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/sched/spinlock.h"

struct thread;

/* One sleeper's place on a queue; it lives on the sleeper's stack for the duration of one wait. */
struct wait_entry {
	struct wait_entry *next;
	struct thread *thread;
	bool queued;
};

struct wait_queue {
	struct spinlock lock;
	struct wait_entry *head;
};

#define WAIT_QUEUE_INIT { SPINLOCK_INIT, 0 }

/* Sleeps until cond(ctx) is true. The condition is checked under the queue's lock after the thread is
 * queued, so a wake between the check and the sleep is never lost. */
void wait_until(struct wait_queue *wq, int (*cond)(void *ctx), void *ctx);
/* The same, giving up when the TSC reaches deadline_tsc (checked every scheduler tick, 1 ms). Returns true
 * when cond held, false on time-out. */
bool wait_until_deadline(struct wait_queue *wq, int (*cond)(void *ctx), void *ctx, uint64_t deadline_tsc);
/* Sleeps until the TSC reaches deadline_tsc (1 ms resolution). */
void wait_sleep_until(uint64_t deadline_tsc);
/* Wakes every sleeper; callable from interrupt handlers. */
void wait_wake_all(struct wait_queue *wq);
/* Runs update(ctx) and wakes every sleeper, all under the queue's lock. Use it when the condition that
 * update makes true lets a sleeper free the queue (a queue on a stack, or in an object the sleeper may
 * delete): no sleeper can see the condition before the wake-up is done with the queue. */
void wait_update_and_wake(struct wait_queue *wq, void (*update)(void *ctx), void *ctx);

#endif
