/* Wait queues: a thread sleeps until a condition holds; wakers re-check it for them. */
#ifndef KERNEL_SCHED_WAIT_H
#define KERNEL_SCHED_WAIT_H

#include "kernel/sched/spinlock.h"

struct thread;

struct wait_queue {
	struct spinlock lock;
	struct thread *head;
};

#define WAIT_QUEUE_INIT { SPINLOCK_INIT, 0 }

/* Sleeps until cond(ctx) is true. The condition is checked under the queue's lock after the thread is
 * queued, so a wake between the check and the sleep is never lost. */
void wait_until(struct wait_queue *wq, int (*cond)(void *ctx), void *ctx);
/* Wakes every sleeper; callable from interrupt handlers. */
void wait_wake_all(struct wait_queue *wq);

#endif
