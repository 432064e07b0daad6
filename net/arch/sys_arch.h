/* lwIP's operating-system types on Keel's scheduler: semaphores and mutexes are kernel semaphores, a
 * mailbox is a bounded ring guarded by two of them, threads are kernel threads. */
#ifndef KEEL_LWIP_ARCH_SYS_ARCH_H
#define KEEL_LWIP_ARCH_SYS_ARCH_H

#include <stdbool.h>
#include "kernel/sched/semaphore.h"
#include "kernel/sched/spinlock.h"

struct sys_sem {
	struct semaphore sem;
	bool valid;
};
typedef struct sys_sem sys_sem_t;
typedef struct sys_sem sys_mutex_t;

struct sys_mbox {
	struct semaphore items, slots;
	struct spinlock lock;
	void **ring;
	unsigned size, head, tail;
	bool valid;
};
typedef struct sys_mbox sys_mbox_t;

typedef struct thread *sys_thread_t;
typedef uint64_t sys_prot_t;

#define sys_sem_valid(s) ((s)->valid)
#define sys_sem_set_invalid(s) ((s)->valid = false)
#define sys_mutex_valid(m) ((m)->valid)
#define sys_mutex_set_invalid(m) ((m)->valid = false)
#define sys_mbox_valid(m) ((m)->valid)
#define sys_mbox_set_invalid(m) ((m)->valid = false)

#endif
