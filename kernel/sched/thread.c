/* Thread creation, the per-CPU run queues and the switch between threads (FPU state and musl's thread
 * pointer travel with the thread). */
#include <stdlib.h>
#include <string.h>
#include "kernel/arch.h"
#include "kernel/cpu/lapic.h"
#include "kernel/cpu/percpu.h"
#include "kernel/layout.h"
#include "kernel/libc/libc_thread.h"
#include "kernel/mm/stack.h"
#include "kernel/panic.h"
#include "kernel/sched/thread.h"

void context_switch(uint64_t *save_rsp, uint64_t new_rsp);
void thread_trampoline(void);

static volatile unsigned next_cpu;
/* A dead thread's stack cannot be freed while it runs on it: the next switch on that CPU frees it. */
static struct thread *dead_thread[MAX_CPUS];

static void enqueue(struct run_queue *rq, struct thread *t)
{
	t->next = NULL;
	if (rq->tail)
		rq->tail->next = t;
	else
		rq->head = t;
	rq->tail = t;
	rq->length++;
}

static struct thread *dequeue(struct run_queue *rq)
{
	struct thread *t = rq->head;
	if (t) {
		rq->head = t->next;
		if (!rq->head)
			rq->tail = NULL;
		rq->length--;
	}
	return t;
}

static void set_libc_block(struct thread *t)
{
	if (t->libc_block)
		wrmsr(MSR_FS_BASE, (uint64_t)t->libc_block);
}

static struct thread *thread_alloc(const char *name)
{
	struct thread *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	strncpy(t->name, name, sizeof t->name - 1);
	t->libc_block = libc_thread_block_new();
	if (!t->libc_block) {
		free(t);
		return NULL;
	}
	/* A clean FPU image: default control words, all exceptions masked. */
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;
	memcpy(t->fpu_state, &fcw, 2);
	memcpy(t->fpu_state + 24, &mxcsr, 4);
	return t;
}

void sched_init_cpu(struct cpu *c)
{
	struct thread *idle = thread_alloc("idle");
	if (!idle)
		panic("no memory for the idle thread");
	idle->state = THREAD_RUNNING;
	idle->cpu = c;
	c->idle = idle;
	c->current = idle;
	set_libc_block(idle);
}

/* Frees the thread that last died on this CPU, once another one runs. Runs where a switch lands: after
 * context_switch, and at a new thread's first instruction (which never returns there), so a dead thread
 * never waits for a later switch, nor is it overwritten by the next one to die. Interrupts off. */
static void reap_dead(void)
{
	struct thread *dead = dead_thread[this_cpu()->index];
	if (dead) {
		dead_thread[this_cpu()->index] = NULL;
		stack_free(dead->stack_bottom, dead->stack_size);
		libc_thread_block_free(dead->libc_block);
		free(dead);
	}
}

void thread_start(void);
void thread_start(void)
{
	struct thread *t = this_cpu()->current;
	reap_dead();
	irq_enable();
	t->fn(t->arg);
	thread_exit();
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg, int cpu_index)
{
	return thread_create_with_stack(name, fn, arg, cpu_index, KERNEL_STACK_SIZE);
}

struct thread *thread_create_with_stack(const char *name, void (*fn)(void *), void *arg, int cpu_index,
					size_t stack_size)
{
	struct thread *t = thread_alloc(name);
	if (!t)
		return NULL;
	t->stack_size = stack_size;
	t->stack_bottom = stack_alloc(t->stack_size, t->name);
	if (!t->stack_bottom) {
		libc_thread_block_free(t->libc_block);
		free(t);
		return NULL;
	}
	t->fn = fn;
	t->arg = arg;
	while (cpu_index < 0 || (unsigned)cpu_index >= cpu_count || !cpus[cpu_index].online)
		cpu_index = (int)(__atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED) % cpu_count);
	t->cpu = &cpus[cpu_index];

	/* The first switch to t pops six callee-saved registers and returns into thread_trampoline, which
	 * then runs with RSP 16-byte aligned, so its call enters thread_start as the ABI expects. */
	uint64_t *sp = (uint64_t *)((char *)t->stack_bottom + t->stack_size);
	*--sp = (uint64_t)thread_trampoline;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->rsp = (uint64_t)sp;
	t->state = THREAD_BLOCKED;
	thread_wake(t);
	return t;
}

struct thread *thread_current(void) { return this_cpu()->current; }

void thread_wake(struct thread *t)
{
	struct cpu *c = t->cpu;
	uint64_t flags = spin_lock(&c->run_queue.lock);
	int woke = t->state == THREAD_BLOCKED;
	if (woke) {
		t->state = THREAD_RUNNABLE;
		t->wake_tsc = 0;
		enqueue(&c->run_queue, t);
	}
	spin_unlock(&c->run_queue.lock, flags);
	if (!woke)
		return;
	if (c == this_cpu())
		c->need_resched = true;
	else
		lapic_send_ipi(c->apic_id, VECTOR_RESCHEDULE);
}

void thread_prepare_sleep(struct thread *self, uint64_t wake_tsc)
{
	struct cpu *c = self->cpu;
	uint64_t flags = spin_lock(&c->run_queue.lock);
	self->state = THREAD_BLOCKED;
	self->wake_tsc = wake_tsc;
	if (wake_tsc && !self->timer_listed) {
		self->timer_next = c->timed_sleepers;
		c->timed_sleepers = self;
		self->timer_listed = true;
	}
	spin_unlock(&c->run_queue.lock, flags);
}

/* Wakes this CPU's timed sleepers whose deadline has passed; the rest stay listed. */
static void wake_due_sleepers(struct cpu *c)
{
	uint64_t now = rdtsc();
	uint64_t flags = spin_lock(&c->run_queue.lock);
	struct thread **p = &c->timed_sleepers;
	while (*p) {
		struct thread *t = *p;
		if (t->state != THREAD_BLOCKED || !t->wake_tsc) {
			*p = t->timer_next; /* woken some other way: its timed sleep is over */
			t->timer_listed = false;
			continue;
		}
		if (t->wake_tsc <= now) {
			*p = t->timer_next;
			t->timer_listed = false;
			t->wake_tsc = 0;
			t->state = THREAD_RUNNABLE;
			enqueue(&c->run_queue, t);
			c->need_resched = true;
			continue;
		}
		p = &t->timer_next;
	}
	spin_unlock(&c->run_queue.lock, flags);
}

void schedule(void)
{
	uint64_t flags = irq_save();
	struct cpu *c = this_cpu();
	struct thread *prev = c->current;

	spin_lock(&c->run_queue.lock);
	if (prev->state == THREAD_RUNNING && prev != c->idle) {
		prev->state = THREAD_RUNNABLE;
		enqueue(&c->run_queue, prev);
	}
	struct thread *next = dequeue(&c->run_queue);
	if (!next)
		next = prev->state == THREAD_RUNNING ? prev : c->idle;
	next->state = THREAD_RUNNING;
	c->need_resched = false;
	spin_unlock(&c->run_queue.lock, 0);

	if (next != prev) {
		c->current = next;
		__asm__ volatile("fxsave64 %0" : "=m"(prev->fpu_state));
		__asm__ volatile("fxrstor64 %0" : : "m"(next->fpu_state));
		set_libc_block(next);
		context_switch(&prev->rsp, next->rsp);
		reap_dead();
	}
	irq_restore(flags);
}

void thread_exit(void)
{
	irq_disable();
	struct thread *t = this_cpu()->current;
	struct cpu *c = t->cpu;
	spin_lock(&c->run_queue.lock);
	for (struct thread **p = &c->timed_sleepers; *p; p = &(*p)->timer_next) {
		if (*p == t) {
			*p = t->timer_next;
			break;
		}
	}
	spin_unlock(&c->run_queue.lock, 0);
	t->state = THREAD_DEAD;
	dead_thread[this_cpu()->index] = t;
	schedule();
	panic("a dead thread ran again");
}

void sched_idle(void)
{
	for (;;) {
		irq_disable();
		struct cpu *c = this_cpu();
		if (c->run_queue.head) {
			schedule();
			continue;
		}
		/* sti takes effect after hlt starts, so a wake-up interrupt cannot slip in between. */
		__asm__ volatile("sti; hlt" ::: "memory");
	}
}

void sched_tick(void)
{
	struct cpu *c = this_cpu();
	c->ticks++;
	if (c->timed_sleepers)
		wake_due_sleepers(c);
	if (c->run_queue.head)
		c->need_resched = true;
}
