/* Choosing the backend at boot and enabling it on every CPU. */
#include <errno.h>
#include "hv/backend.h"
#include "hv/vmx/vmx.h"
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

static void count_done(void *arg)
{
	struct enable_round *r = arg;
	r->done++;
}

static void enable_on_this_cpu(void *arg)
{
	struct enable_round *r = arg;
	int e = r->backend->cpu_enable();
	if (e)
		r->error = e;
	/* r lives on hv_init's stack: the count and the wake-up happen together under the queue's lock. */
	wait_update_and_wake(&r->wq, count_done, r);
}

static int all_done(void *arg)
{
	struct enable_round *r = arg;
	return r->done == cpus_online;
}

int hv_init(void)
{
	const struct hv_backend *backend = cpu_features.virtualization == VIRT_SVM   ? &svm_backend
					   : cpu_features.virtualization == VIRT_VMX ? &vmx_backend
										     : NULL;
	if (!backend)
		return -ENODEV;
	struct enable_round r = { .backend = backend, .wq = WAIT_QUEUE_INIT };
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
