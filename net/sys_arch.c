/* lwIP's sys_arch on Keel: semaphores, mutexes, mailboxes, threads, the millisecond clock, the protection
 * lwIP takes around its pools (one recursive lock with interrupts off), and its random numbers. */
#include <stdlib.h>
#include "kernel/arch.h"
#include "kernel/cpu/features.h"
#include "kernel/cpu/percpu.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"
#include "lwip/sys.h"

void sys_init(void) {}

u32_t sys_now(void) { return (u32_t)time_uptime_ms(); }

static uint64_t deadline_after(u32_t timeout_ms)
{
	return timeout_ms ? rdtsc() + time_tsc_hz() / 1000 * timeout_ms : 0;
}

static u32_t waited_ms(uint64_t start)
{
	return (u32_t)((rdtsc() - start) / (time_tsc_hz() / 1000));
}

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
	semaphore_init(&sem->sem, count);
	sem->valid = true;
	return ERR_OK;
}

void sys_sem_signal(sys_sem_t *sem) { semaphore_up(&sem->sem); }

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
	uint64_t start = rdtsc();
	if (!semaphore_down_until(&sem->sem, deadline_after(timeout)))
		return SYS_ARCH_TIMEOUT;
	return waited_ms(start);
}

void sys_sem_free(sys_sem_t *sem) { sem->valid = false; }

err_t sys_mutex_new(sys_mutex_t *mutex) { return sys_sem_new(mutex, 1); }
void sys_mutex_lock(sys_mutex_t *mutex) { semaphore_down(&mutex->sem); }
void sys_mutex_unlock(sys_mutex_t *mutex) { semaphore_up(&mutex->sem); }
void sys_mutex_free(sys_mutex_t *mutex) { mutex->valid = false; }

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
	if (size <= 0)
		size = 64;
	mbox->ring = calloc((size_t)size, sizeof(void *));
	if (!mbox->ring)
		return ERR_MEM;
	mbox->size = (unsigned)size;
	mbox->head = mbox->tail = 0;
	mbox->lock = (struct spinlock)SPINLOCK_INIT;
	semaphore_init(&mbox->items, 0);
	semaphore_init(&mbox->slots, (uint32_t)size);
	mbox->valid = true;
	return ERR_OK;
}

static void put(sys_mbox_t *mbox, void *msg)
{
	uint64_t f = spin_lock(&mbox->lock);
	mbox->ring[mbox->tail++ % mbox->size] = msg;
	spin_unlock(&mbox->lock, f);
	semaphore_up(&mbox->items);
}

static void *get(sys_mbox_t *mbox)
{
	uint64_t f = spin_lock(&mbox->lock);
	void *msg = mbox->ring[mbox->head++ % mbox->size];
	spin_unlock(&mbox->lock, f);
	semaphore_up(&mbox->slots);
	return msg;
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
	semaphore_down(&mbox->slots);
	put(mbox, msg);
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
	if (!semaphore_try_down(&mbox->slots))
		return ERR_MEM;
	put(mbox, msg);
	return ERR_OK;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg) { return sys_mbox_trypost(mbox, msg); }

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
	uint64_t start = rdtsc();
	if (!semaphore_down_until(&mbox->items, deadline_after(timeout)))
		return SYS_ARCH_TIMEOUT;
	void *m = get(mbox);
	if (msg)
		*msg = m;
	return waited_ms(start);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
	if (!semaphore_try_down(&mbox->items))
		return SYS_MBOX_EMPTY;
	void *m = get(mbox);
	if (msg)
		*msg = m;
	return 0;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
	free(mbox->ring);
	mbox->ring = NULL;
	mbox->valid = false;
}

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn thread, void *arg, int stacksize, int prio)
{
	(void)stacksize;
	(void)prio;
	struct thread *t = thread_create(name, thread, arg, -1);
	LWIP_ASSERT("sys_thread_new: out of memory", t != NULL);
	return t;
}

/* One lock for the whole stack's short critical sections; lwIP may nest them on one CPU. */
static struct spinlock protect_lock = SPINLOCK_INIT;
static volatile int protect_owner = -1;
static unsigned protect_depth;

sys_prot_t sys_arch_protect(void)
{
	uint64_t flags = irq_save();
	int me = (int)this_cpu()->index;
	if (protect_owner != me) {
		spin_lock(&protect_lock);
		protect_owner = me;
	}
	protect_depth++;
	return flags;
}

void sys_arch_unprotect(sys_prot_t flags)
{
	if (--protect_depth == 0) {
		protect_owner = -1;
		spin_unlock(&protect_lock, 0);
	}
	irq_restore(flags);
}

uint32_t sys_random32(void)
{
	if (cpu_features.rdrand) {
		for (int i = 0; i < 10; i++) {
			uint32_t v;
			unsigned char ok;
			__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
			if (ok)
				return v;
		}
	}
	uint64_t t = rdtsc() * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(t >> 32);
}
