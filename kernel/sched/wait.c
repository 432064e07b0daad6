/* Wait queues over the scheduler. Entries live on the sleepers' stacks; a sleeper that leaves by time-out
 * takes its entry off the queue itself, so a queue never holds a thread that is not waiting on it. */
#include "kernel/arch.h"
#include "kernel/cpu/percpu.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/wait.h"

static void unlink_entry(struct wait_queue *wq, struct wait_entry *e)
{
	for (struct wait_entry **p = &wq->head; *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			break;
		}
	}
	e->queued = false;
}

bool wait_until_deadline(struct wait_queue *wq, int (*cond)(void *ctx), void *ctx, uint64_t deadline_tsc)
{
	struct thread *self = thread_current();
	struct wait_entry entry = { .thread = self };
	for (;;) {
		uint64_t flags = spin_lock(&wq->lock);
		if (cond(ctx)) {
			if (entry.queued)
				unlink_entry(wq, &entry);
			spin_unlock(&wq->lock, flags);
			return true;
		}
		if (deadline_tsc && rdtsc() >= deadline_tsc) {
			if (entry.queued)
				unlink_entry(wq, &entry);
			spin_unlock(&wq->lock, flags);
			return false;
		}
		if (!entry.queued) {
			entry.next = wq->head;
			wq->head = &entry;
			entry.queued = true;
		}
		thread_prepare_sleep(self, deadline_tsc);
		spin_unlock(&wq->lock, 0);
		schedule();
		irq_restore(flags);
	}
}

void wait_until(struct wait_queue *wq, int (*cond)(void *ctx), void *ctx)
{
	wait_until_deadline(wq, cond, ctx, 0);
}

static void wake_locked(struct wait_queue *wq)
{
	struct wait_entry *e = wq->head;
	wq->head = NULL;
	while (e) {
		struct wait_entry *next = e->next;
		e->queued = false;
		thread_wake(e->thread);
		e = next;
	}
}

void wait_wake_all(struct wait_queue *wq)
{
	uint64_t flags = spin_lock(&wq->lock);
	wake_locked(wq);
	spin_unlock(&wq->lock, flags);
}

void wait_update_and_wake(struct wait_queue *wq, void (*update)(void *ctx), void *ctx)
{
	uint64_t flags = spin_lock(&wq->lock);
	update(ctx);
	wake_locked(wq);
	spin_unlock(&wq->lock, flags);
}

static int never(void *ctx)
{
	(void)ctx;
	return 0;
}

void wait_sleep_until(uint64_t deadline_tsc)
{
	struct wait_queue private_queue = WAIT_QUEUE_INIT;
	wait_until_deadline(&private_queue, never, NULL, deadline_tsc);
}
