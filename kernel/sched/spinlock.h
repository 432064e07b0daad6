/* Spinlocks. Holding one disables interrupts on this CPU, so a lock holder is never preempted and an
 * interrupt handler can take the same lock safely. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdint.h>
#include "kernel/arch.h"

struct spinlock {
	volatile uint32_t locked;
};

#define SPINLOCK_INIT { 0 }

static inline uint64_t spin_lock(struct spinlock *l)
{
	uint64_t flags = irq_save();
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (l->locked)
			cpu_relax();
	return flags;
}

/* For the panic path: gives up after a bounded spin so a dead lock holder cannot silence the report. */
static inline int spin_trylock_bounded(struct spinlock *l, unsigned spins)
{
	while (spins--) {
		if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
			return 1;
		cpu_relax();
	}
	return 0;
}

static inline void spin_unlock(struct spinlock *l, uint64_t flags)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_restore(flags);
}

#endif
