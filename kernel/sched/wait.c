/* Wait queues over the scheduler. A sleeper is on at most one queue at a time. */
#include "kernel/cpu/percpu.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/wait.h"

void wait_until(struct wait_queue *wq, int (*cond)(void *ctx), void *ctx)
{
	struct thread *self = thread_current();
	for (;;) {
		uint64_t flags = spin_lock(&wq->lock);
		if (cond(ctx)) {
			spin_unlock(&wq->lock, flags);
			return;
		}
		uint64_t rq_flags = spin_lock(&self->cpu->run_queue.lock);
		self->state = THREAD_BLOCKED;
		spin_unlock(&self->cpu->run_queue.lock, rq_flags);
		self->next = wq->head;
		wq->head = self;
		spin_unlock(&wq->lock, 0);
		schedule();
		irq_restore(flags);
	}
}

void wait_wake_all(struct wait_queue *wq)
{
	uint64_t flags = spin_lock(&wq->lock);
	struct thread *t = wq->head;
	wq->head = NULL;
	while (t) {
		struct thread *next = t->next;
		thread_wake(t);
		t = next;
	}
	spin_unlock(&wq->lock, flags);
}

