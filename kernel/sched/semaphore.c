/* Semaphores over wait queues: the count is taken inside the wait condition, which runs under the queue's
 * lock, so a taker and an up never race. */
#include "kernel/sched/semaphore.h"

void semaphore_init(struct semaphore *s, uint32_t count)
{
	s->wait = (struct wait_queue)WAIT_QUEUE_INIT;
	s->count = count;
}

static int take(void *ctx)
{
	struct semaphore *s = ctx;
	if (!s->count)
		return 0;
	s->count--;
	return 1;
}

static void give(void *ctx) { ((struct semaphore *)ctx)->count++; }

void semaphore_down(struct semaphore *s) { wait_until(&s->wait, take, s); }

bool semaphore_down_until(struct semaphore *s, uint64_t deadline_tsc)
{
	return wait_until_deadline(&s->wait, take, s, deadline_tsc);
}

bool semaphore_try_down(struct semaphore *s)
{
	uint64_t f = spin_lock(&s->wait.lock);
	int taken = take(s);
	spin_unlock(&s->wait.lock, f);
	return taken;
}

void semaphore_up(struct semaphore *s) { wait_update_and_wake(&s->wait, give, s); }
