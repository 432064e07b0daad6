/* Choosing the backend at boot and enabling it on every CPU. */
#include <errno.h>
#include "hv/backend.h"
#include "kernel/cpu/features.h"
#include "kernel/cpu/percpu.h"
#include "kernel/log.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/wait.h"

const struct hv_backend *hv;

struct enable_round {
	const struct hv_backend *backend;
	volatile unsigned done;
	volatile int error;
	struct wait_queue wq;
};

static void enable_on_this_cpu(void *arg)
{
	struct enable_round *r = arg;
	int e = r->backend->cpu_enable();
	if (e)
		r->error = e;
	__atomic_add_fetch(&r->done, 1, __ATOMIC_SEQ_CST);
	wait_wake_all(&r->wq);
}

static int all_done(void *arg)
{
	struct enable_round *r = arg;
	return r->done == cpus_online;
}

int hv_init(void)
{
	if (cpu_features.virtualization != VIRT_SVM) {
		if (cpu_features.virtualization == VIRT_VMX)
			log_printf("hv: VT-x is not supported yet; VM commands are unavailable\n");
		return -ENODEV;
	}
	struct enable_round r = { .backend = &svm_backend, .wq = WAIT_QUEUE_INIT };
	unsigned started = 0;
	for (unsigned i = 0; i < cpu_count; i++)
		if (cpus[i].online && thread_create("hv-enable", enable_on_this_cpu, &r, (int)i))
			started++;
	if (started != cpus_online) {
		log_printf("hv: cannot start threads to enable %s\n", r.backend->name);
		return -ENOMEM;
	}
	wait_until(&r.wq, all_done, &r);
	if (r.error) {
		log_printf("hv: enabling %s failed (error %d)\n", r.backend->name, r.error);
		return r.error;
	}
	hv = r.backend;
	log_printf("hv: %s enabled on %u CPUs\n", hv->name, cpus_online);
	return 0;
}
