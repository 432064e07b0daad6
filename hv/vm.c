/* The VM registry and life cycle. A VM's vCPU threads end by themselves when asked to stop; the last one to
 * end tears the VM down, so no thread ever waits on itself. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/backend.h"
#include "hv/boot/loader.h"
#include "hv/platform.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "kernel/boot/boot_info.h"
#include "kernel/cpu/features.h"
#include "kernel/log.h"
#include "kernel/mm/phys.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"

static struct vm *vms[VM_MAX];
static unsigned next_id;
static struct spinlock registry_lock = SPINLOCK_INIT;

#define FAIL(code, ...)                                  \
	do {                                             \
		snprintf(err, errlen, __VA_ARGS__);      \
		return (code);                           \
	} while (0)

const char *vm_state_name(enum vm_state s)
{
	static const char *const names[] = { "Off", "Starting", "Running", "Paused", "Stopping" };
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

struct vm *vm_find(const char *name)
{
	struct vm *found = NULL;
	uint64_t flags = spin_lock(&registry_lock);
	for (unsigned i = 0; i < VM_MAX && !found; i++)
		if (vms[i] && !strcmp(vms[i]->config.name, name))
			found = vms[i];
	if (found)
		__atomic_add_fetch(&found->refs, 1, __ATOMIC_SEQ_CST);
	spin_unlock(&registry_lock, flags);
	return found;
}

void vm_put(struct vm *vm)
{
	if (__atomic_sub_fetch(&vm->refs, 1, __ATOMIC_SEQ_CST) == 0)
		free(vm);
}

void vm_for_each(void (*fn)(struct vm *vm, void *ctx), void *ctx)
{
	struct vm *list[VM_MAX];
	unsigned n = 0;
	uint64_t flags = spin_lock(&registry_lock);
	for (unsigned i = 0; i < VM_MAX; i++)
		if (vms[i]) {
			__atomic_add_fetch(&vms[i]->refs, 1, __ATOMIC_SEQ_CST);
			list[n++] = vms[i];
		}
	spin_unlock(&registry_lock, flags);
	/* Creation order: ids only grow. */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && list[j - 1]->id > list[j]->id; j--) {
			struct vm *t = list[j];
			list[j] = list[j - 1];
			list[j - 1] = t;
		}
	for (unsigned i = 0; i < n; i++) {
		fn(list[i], ctx);
		vm_put(list[i]);
	}
}

/* Looks the VM up and runs op on it, holding a reference meanwhile. */
static int with_vm(const char *name, int (*op)(struct vm *vm, void *arg, char *err, size_t errlen), void *arg,
		   char *err, size_t errlen)
{
	struct vm *vm = vm_find(name);
	if (!vm)
		FAIL(-ENOENT, "no VM named '%s'", name);
	int e = op(vm, arg, err, errlen);
	vm_put(vm);
	return e;
}

static bool valid_name(const char *name)
{
	size_t n = strlen(name);
	if (!n || n >= VM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.')))
			return false;
	}
	return true;
}

int vm_create(const struct vm_config *cfg, char *err, size_t errlen)
{
	if (!valid_name(cfg->name))
		FAIL(-EINVAL, "bad VM name '%s': use 1-31 letters, digits, '-', '_' or '.', starting with a letter or digit",
		     cfg->name);
	if (cfg->cpus < 1 || cfg->cpus > VM_MAX_VCPUS)
		FAIL(-EINVAL, "cpus=%u is out of range: 1 to %u", cfg->cpus, VM_MAX_VCPUS);
	if (cfg->mem_bytes < (4ull << 20) || cfg->mem_bytes % (2ull << 20))
		FAIL(-EINVAL, "mem must be at least 4M and a multiple of 2M");
	if (cfg->mem_bytes > phys_free_bytes())
		FAIL(-ENOMEM, "mem=%lluM is more than the host has free (%lluM)",
		     (unsigned long long)(cfg->mem_bytes >> 20), (unsigned long long)(phys_free_bytes() >> 20));
	if (cfg->kernel[0] && !boot_info_module(&boot_info, cfg->kernel))
		FAIL(-ENOENT, "no boot module named '%s' (guest images are GRUB modules listed in keel.cfg)",
		     cfg->kernel);
	for (unsigned i = 0; i < cfg->module_count; i++)
		if (!boot_info_module(&boot_info, cfg->modules[i]))
			FAIL(-ENOENT, "no boot module named '%s'", cfg->modules[i]);
	if (cfg->initrd[0] && !boot_info_module(&boot_info, cfg->initrd))
		FAIL(-ENOENT, "no boot module named '%s' for the initrd", cfg->initrd);

	struct vm *vm = calloc(1, sizeof *vm);
	if (!vm)
		FAIL(-ENOMEM, "out of host memory");
	vm->config = *cfg;
	vm->state = VM_OFF;
	vm->refs = 1; /* the registry's */
	uint64_t flags = spin_lock(&registry_lock);
	unsigned slot = VM_MAX;
	bool duplicate = false;
	for (unsigned i = 0; i < VM_MAX; i++) {
		if (vms[i] && !strcmp(vms[i]->config.name, cfg->name))
			duplicate = true;
		if (!vms[i] && slot == VM_MAX)
			slot = i;
	}
	if (!duplicate && slot < VM_MAX) {
		vm->id = next_id++;
		vms[slot] = vm;
	}
	spin_unlock(&registry_lock, flags);
	if (duplicate || slot == VM_MAX) {
		free(vm);
		if (duplicate)
			FAIL(-EEXIST, "a VM named '%s' exists already", cfg->name);
		FAIL(-ENOSPC, "this host holds at most %d VMs", VM_MAX);
	}
	log_printf("vm %s: created (%llu MiB, %u vCPUs)\n", cfg->name, (unsigned long long)(cfg->mem_bytes >> 20),
		   cfg->cpus);
	return 0;
}

struct state_change {
	struct vm *vm;
	enum vm_state state;
};

static void apply_state(void *arg)
{
	struct state_change *c = arg;
	c->vm->state = c->state;
}

/* A waiter that sees Off may delete the VM at once: the change and the wake-up share the queue's lock, and
 * the caller touches the VM no more after setting Off. */
static void set_state(struct vm *vm, enum vm_state s)
{
	struct state_change c = { vm, s };
	wait_update_and_wake(&vm->state_wait, apply_state, &c);
}

/* Frees everything a start allocated; the VM ends Off, or Starting when a guest's reset starts it again. */
static void teardown(struct vm *vm, enum vm_state final)
{
	/* Devices first (their interrupt routing reaches the vCPUs), then the vCPUs, each taken out of the VM
	 * under the lock that its other users (kicks, console input) hold. */
	platform_destroy(vm);
	struct vcpu *gone[VM_MAX_VCPUS];
	uint64_t flags = spin_lock(&vm->lock);
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++) {
		gone[i] = vm->vcpus[i];
		vm->vcpus[i] = NULL;
	}
	spin_unlock(&vm->lock, flags);
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++) {
		if (!gone[i])
			continue;
		hv->vcpu_destroy(gone[i]);
		free(gone[i]);
	}
	hv->vm_destroy(vm);
	guest_memory_free(&vm->memory);
	vm->stop_requested = false;
	vm->pause_requested = false;
	/* Logged just before the VM is Off: the VM may be deleted the moment it is. */
	if (final == VM_OFF && vm->off_reason[0])
		log_printf("vm %s: off: %s\n", vm->config.name, vm->off_reason);
	set_state(vm, final);
}

static int start_vm(struct vm *vm, char *err, size_t errlen);

void vm_vcpu_exited(struct vm *vm)
{
	if (__atomic_sub_fetch(&vm->running_vcpus, 1, __ATOMIC_SEQ_CST) != 0) {
		wait_wake_all(&vm->state_wait);
		return;
	}
	bool restart = vm->reset_requested;
	vm->reset_requested = false;
	teardown(vm, restart ? VM_STARTING : VM_OFF);
	if (restart) {
		log_printf("vm %s: reset by the guest; starting again\n", vm->config.name);
		char err[160];
		if (start_vm(vm, err, sizeof err)) {
			snprintf(vm->off_reason, sizeof vm->off_reason, "cannot start again after the guest's reset: %s", err);
			log_printf("vm %s: off: %s\n", vm->config.name, vm->off_reason);
		}
	}
}

void vm_reset_from_guest(struct vm *vm)
{
	vm->reset_requested = true;
	vm_stop_from_guest(vm, "reset by the guest");
}

static int map_ram(void *ctx, uint64_t gpa, uint64_t hpa, uint64_t len) { return hv->vm_map(ctx, gpa, hpa, len); }

static int start_op(struct vm *vm, void *arg, char *err, size_t errlen)
{
	(void)arg;
	uint64_t flags = spin_lock(&vm->lock);
	enum vm_state was = vm->state;
	bool deleted = vm->deleted;
	if (was == VM_OFF && !deleted)
		vm->state = VM_STARTING;
	spin_unlock(&vm->lock, flags);
	if (deleted)
		FAIL(-ENOENT, "no VM named '%s'", vm->config.name);
	if (was != VM_OFF)
		FAIL(-EBUSY, "VM '%s' is %s, not Off", vm->config.name, vm_state_name(was));
	return start_vm(vm, err, errlen);
}

int vm_start(const char *name, char *err, size_t errlen)
{
	if (!hv)
		FAIL(-ENODEV, "virtualization unavailable: %s", cpu_features.virtualization_missing);
	return with_vm(name, start_op, NULL, err, errlen);
}

/* Builds and starts a VM that is Starting; on failure it ends Off with the reason in err. */
static int start_vm(struct vm *vm, char *err, size_t errlen)
{
	const char *name = vm->config.name;
	vm->off_reason[0] = 0;

	int e = guest_memory_alloc(&vm->memory, vm->config.mem_bytes);
	if (e) {
		set_state(vm, VM_OFF);
		FAIL(e, "not enough free host memory for %lluM (%lluM free)",
		     (unsigned long long)(vm->config.mem_bytes >> 20), (unsigned long long)(phys_free_bytes() >> 20));
	}
	memset(&vm->bus, 0, sizeof vm->bus);
	vm->start_tsc = rdtsc(); /* the devices' clocks start here */
	memset(&vm->hyperv, 0, sizeof vm->hyperv);
	if ((e = hv->vm_init(vm)) || (e = guest_memory_each(&vm->memory, map_ram, vm)) ||
	    (e = platform_create(vm))) {
		snprintf(err, errlen, "cannot set up the VM: error %d", e);
		goto undo;
	}
	for (unsigned i = 0; i < vm->config.cpus; i++) {
		struct vcpu *v = calloc(1, sizeof *v);
		if (!v) {
			e = -ENOMEM;
			snprintf(err, errlen, "out of host memory");
			goto undo;
		}
		v->vm = vm;
		v->index = i;
		v->host_cpu = -1;
		vm->vcpus[i] = v;
		if ((e = hv->vcpu_init(v))) {
			snprintf(err, errlen, "cannot create vCPU %u: error %d", i, e);
			goto undo;
		}
	}
	if ((e = loader_load(vm, err, errlen)))
		goto undo;

	vm->exits = 0;
	vm->stop_requested = false;
	/* The starter holds one reference of its own until every thread exists: a guest that stops at once
	 * cannot tear the VM down under this loop. */
	vm->running_vcpus = vm->config.cpus + 1;
	set_state(vm, VM_RUNNING);
	unsigned started = 0;
	for (; started < vm->config.cpus; started++) {
		char tname[32];
		snprintf(tname, sizeof tname, "%.20s/vcpu%u", name, started);
		if (!thread_create(tname, vcpu_main, vm->vcpus[started], -1))
			break;
	}
	if (started < vm->config.cpus) {
		vm_stop_from_guest(vm, "cannot start vCPU thread %u: out of host memory", started);
		for (unsigned j = started; j < vm->config.cpus; j++)
			vm_vcpu_exited(vm);
		snprintf(err, errlen, "cannot start the vCPU threads: out of host memory");
	} else {
		log_printf("vm %s: started\n", name);
	}
	vm_vcpu_exited(vm);
	return started < vm->config.cpus ? -ENOMEM : 0;
undo:
	teardown(vm, VM_OFF);
	return e;
}

static void kick_all(struct vm *vm)
{
	uint64_t flags = spin_lock(&vm->lock);
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			vcpu_kick(vm->vcpus[i]);
	spin_unlock(&vm->lock, flags);
}

void vm_stop_from_guest(struct vm *vm, const char *fmt, ...)
{
	uint64_t flags = spin_lock(&vm->lock);
	bool first = !vm->stop_requested && vm->state != VM_OFF;
	if (first) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(vm->off_reason, sizeof vm->off_reason, fmt, ap);
		va_end(ap);
		vm->stop_requested = true;
		vm->state = VM_STOPPING;
	}
	spin_unlock(&vm->lock, flags);
	if (first) {
		kick_all(vm);
		wait_wake_all(&vm->state_wait);
	}
}

static int is_off(void *ctx) { return ((struct vm *)ctx)->state == VM_OFF; }

static int turnoff_op(struct vm *vm, void *arg, char *err, size_t errlen)
{
	(void)arg;
	const char *name = vm->config.name;
	enum vm_state s = vm->state;
	if (s == VM_OFF)
		FAIL(-EINVAL, "VM '%s' is Off already", name);
	if (s == VM_STARTING)
		FAIL(-EBUSY, "VM '%s' is Starting; try again", name);
	vm->reset_requested = false;
	vm_stop_from_guest(vm, "turned off from the shell");
	wait_wake_all(&vm->state_wait); /* a paused vCPU waits there */
	wait_until(&vm->state_wait, is_off, vm);
	return 0;
}

int vm_turnoff(const char *name, char *err, size_t errlen) { return with_vm(name, turnoff_op, NULL, err, errlen); }

static int shutdown_op(struct vm *vm, void *arg, char *err, size_t errlen)
{
	uint64_t timeout_ms = *(const uint64_t *)arg;
	const char *name = vm->config.name;
	if (vm->state != VM_RUNNING)
		FAIL(-EINVAL, "VM '%s' is %s, not Running%s", name, vm_state_name(vm->state),
		     vm->state == VM_PAUSED ? " (resume it first)" : "");
	uint64_t flags = spin_lock(&vm->bus.lock);
	bool listened = vm->platform && platform_power_button(vm);
	spin_unlock(&vm->bus.lock, flags);
	if (!listened)
		FAIL(-EOPNOTSUPP, "the guest in '%s' has not enabled the ACPI power button; it is left running "
				  "(vm turnoff stops it at once)", name);
	log_printf("vm %s: power button pressed\n", name);
	if (!wait_until_deadline(&vm->state_wait, is_off, vm, rdtsc() + timeout_ms * (time_tsc_hz() / 1000)))
		FAIL(-ETIMEDOUT, "VM '%s' did not power off within %llu s after the power button; it is left running",
		     name, (unsigned long long)(timeout_ms / 1000));
	return 0;
}

int vm_shutdown(const char *name, uint64_t timeout_ms, char *err, size_t errlen)
{
	return with_vm(name, shutdown_op, &timeout_ms, err, errlen);
}

static int all_parked(void *ctx)
{
	struct vm *vm = ctx;
	return vm->paused_vcpus == vm->running_vcpus || vm->stop_requested;
}

static int pause_op(struct vm *vm, void *arg, char *err, size_t errlen)
{
	(void)arg;
	const char *name = vm->config.name;
	if (vm->state != VM_RUNNING)
		FAIL(-EINVAL, "VM '%s' is %s, not Running", name, vm_state_name(vm->state));
	vm->pause_requested = true;
	kick_all(vm);
	wait_until(&vm->state_wait, all_parked, vm);
	if (vm->stop_requested)
		FAIL(-EINVAL, "VM '%s' stopped while pausing", name);
	set_state(vm, VM_PAUSED);
	log_printf("vm %s: paused\n", name);
	return 0;
}

int vm_pause(const char *name, char *err, size_t errlen) { return with_vm(name, pause_op, NULL, err, errlen); }

static int resume_op(struct vm *vm, void *arg, char *err, size_t errlen)
{
	(void)arg;
	const char *name = vm->config.name;
	if (vm->state != VM_PAUSED)
		FAIL(-EINVAL, "VM '%s' is %s, not Paused", name, vm_state_name(vm->state));
	vm->pause_requested = false;
	set_state(vm, VM_RUNNING);
	log_printf("vm %s: resumed\n", name);
	return 0;
}

int vm_resume(const char *name, char *err, size_t errlen) { return with_vm(name, resume_op, NULL, err, errlen); }

static int set_rflags_op(struct vm *vm, void *arg, char *err, size_t errlen)
{
	uint64_t rflags = *(const uint64_t *)arg;
	const char *name = vm->config.name;
	/* Paused: every vCPU thread is parked, so none loads or stores the registers meanwhile. */
	if (vm->state != VM_PAUSED)
		FAIL(-EINVAL, "VM '%s' is %s, not Paused", name, vm_state_name(vm->state));
	vm->vcpus[0]->rflags = rflags;
	log_printf("vm %s: vCPU 0 RFLAGS set to %#llx from the debug shell\n", name, (unsigned long long)rflags);
	return 0;
}

int vm_debug_set_rflags(const char *name, uint64_t rflags, char *err, size_t errlen)
{
	return with_vm(name, set_rflags_op, &rflags, err, errlen);
}

/* Under the VM's lock, as vm start and a console attaching check the same: once deleted, neither can. */
static int delete_op(struct vm *vm, void *arg, char *err, size_t errlen)
{
	(void)arg;
	const char *name = vm->config.name;
	uint64_t flags = spin_lock(&vm->lock);
	enum vm_state s = vm->state;
	bool connected = vm->connections, gone = vm->deleted;
	if (s == VM_OFF && !connected && !gone)
		vm->deleted = true;
	spin_unlock(&vm->lock, flags);
	if (gone)
		FAIL(-ENOENT, "no VM named '%s'", name);
	if (s != VM_OFF)
		FAIL(-EBUSY, "VM '%s' is %s; turn it off first", name, vm_state_name(s));
	if (connected)
		FAIL(-EBUSY, "VM '%s' has a console session connected", name);
	flags = spin_lock(&registry_lock);
	for (unsigned i = 0; i < VM_MAX; i++)
		if (vms[i] == vm)
			vms[i] = NULL;
	spin_unlock(&registry_lock, flags);
	log_printf("vm %s: deleted\n", name);
	vm_put(vm); /* the registry's reference */
	return 0;
}

int vm_delete(const char *name, char *err, size_t errlen) { return with_vm(name, delete_op, NULL, err, errlen); }

bool vm_console_attach(struct vm *vm)
{
	uint64_t flags = spin_lock(&vm->lock);
	bool ok = !vm->deleted;
	if (ok)
		__atomic_add_fetch(&vm->connections, 1, __ATOMIC_SEQ_CST);
	spin_unlock(&vm->lock, flags);
	return ok;
}

void vm_console_detach(struct vm *vm) { __atomic_sub_fetch(&vm->connections, 1, __ATOMIC_SEQ_CST); }

void vm_console_write(struct vm *vm, const char *s, size_t n)
{
	uint64_t head = vm->console_head;
	for (size_t i = 0; i < n; i++)
		vm->console[(head + i) % VM_CONSOLE_SIZE] = s[i];
	__atomic_store_n(&vm->console_head, head + n, __ATOMIC_RELEASE);
	wait_wake_all(&vm->console_wait);
}

size_t vm_console_read(struct vm *vm, uint64_t *pos, char *buf, size_t len)
{
	uint64_t head = __atomic_load_n(&vm->console_head, __ATOMIC_ACQUIRE);
	if (head - *pos > VM_CONSOLE_SIZE)
		*pos = head - VM_CONSOLE_SIZE;
	size_t n = 0;
	while (*pos < head && n < len)
		buf[n++] = vm->console[(*pos)++ % VM_CONSOLE_SIZE];
	return n;
}

bool vm_console_input(struct vm *vm, uint8_t byte)
{
	uint64_t flags = spin_lock(&vm->bus.lock);
	bool ok = vm->state != VM_OFF && vm->platform && platform_console_input(vm, byte);
	spin_unlock(&vm->bus.lock, flags);
	return ok;
}
