/* Counting semaphores for threads (a binary one serves as a sleeping mutex): down sleeps while the count is
 * zero, up may be called from any thread or interrupt handler. */
#ifndef KERNEL_SCHED_SEMAPHORE_H
#define KERNEL_SCHED_SEMAPHORE_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/sched/wait.h"

struct semaphore {
	struct wait_queue wait;
	uint32_t count; /* changed only under wait.lock */
};

void semaphore_init(struct semaphore *s, uint32_t count);
void semaphore_down(struct semaphore *s);
/* Gives up when the TSC reaches deadline_tsc (0: never). True when the count was taken. */
bool semaphore_down_until(struct semaphore *s, uint64_t deadline_tsc);
/* Takes the count only if it is non-zero now. */
bool semaphore_try_down(struct semaphore *s);
void semaphore_up(struct semaphore *s);

#endif
