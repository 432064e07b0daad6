/* What every exit means, written once for both backends: port I/O to the VM's bus, CPUID and MSRs from
 * Keel's tables, HLT as a sleep, and the ways a guest can end itself. */
#include <string.h>
#include "hv/backend.h"
#include "hv/cpuid.h"
#include "hv/vmbus/hyperv.h"
#include "hv/msr.h"
#include "hv/platform.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "kernel/cpu/lapic.h"
#include "kernel/cpu/percpu.h"
#include "kernel/log.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/wait.h"

#define VECTOR_UD 6
#define VECTOR_GP 13

void vm_vcpu_exited(struct vm *vm);

void vcpu_kick(struct vcpu *v)
{
	int cpu = v->host_cpu;
	if (cpu >= 0 && (unsigned)cpu != this_cpu()->index)
		lapic_send_ipi(cpus[cpu].apic_id, VECTOR_RESCHEDULE);
	wait_wake_all(&v->vm->state_wait);
}

static void handle_io(struct vcpu *v, const struct vcpu_exit *e)
{
	struct vm *vm = v->vm;
	if (e->io.string) {
		vm_stop_from_guest(vm, "vCPU %u used string port I/O (port %#x) at RIP %#llx, which Keel does not emulate yet",
				   v->index, e->io.port, (unsigned long long)v->rip);
		return;
	}
	uint64_t mask = e->io.size == 4 ? 0xffffffffull : (1ull << (8 * e->io.size)) - 1;
	if (e->io.in) {
		uint64_t val = io_bus_port_read(&vm->bus, e->io.port, e->io.size);
		/* A 32-bit IN zero-extends into RAX; 8 and 16-bit ones leave the upper bits. */
		v->gpr[REG_RAX] = e->io.size == 4 ? (uint32_t)val : (v->gpr[REG_RAX] & ~mask) | (val & mask);
	} else {
		io_bus_port_write(&vm->bus, e->io.port, e->io.size, v->gpr[REG_RAX] & mask);
	}
	v->rip = e->next_rip;
}

static void handle_cpuid(struct vcpu *v, const struct vcpu_exit *e)
{
	uint32_t r[4];
	cpuid_guest(v, (uint32_t)v->gpr[REG_RAX], (uint32_t)v->gpr[REG_RCX], r);
	v->gpr[REG_RAX] = r[0];
	v->gpr[REG_RBX] = r[1];
	v->gpr[REG_RCX] = r[2];
	v->gpr[REG_RDX] = r[3];
	v->rip = e->next_rip;
}

static void handle_msr(struct vcpu *v, const struct vcpu_exit *e)
{
	uint64_t value = e->msr.value;
	bool write = e->kind == VCPU_EXIT_MSR_WRITE;
	if (msr_guest_access(v, write, e->msr.index, &value)) {
		hv->vcpu_inject(v, VCPU_EVENT_EXCEPTION, VECTOR_GP, true, 0);
		return;
	}
	if (!write) {
		v->gpr[REG_RAX] = (uint32_t)value;
		v->gpr[REG_RDX] = value >> 32;
	}
	v->rip = e->next_rip;
}

static int halt_over(void *ctx)
{
	struct vcpu *v = ctx;
	struct vm *vm = v->vm;
	return vm->stop_requested || vm->pause_requested || platform_interrupt_pending(v);
}

/* A halted vCPU (or one waiting for its start-up IPI) sleeps until an interrupt or its next device timer. */
static void sleep_until_event(struct vcpu *v, uint64_t next_timer_tsc)
{
	if (!platform_interrupt_pending(v))
		wait_until_deadline(&v->vm->state_wait, halt_over, v, next_timer_tsc);
}

static void handle_exit(struct vcpu *v, const struct vcpu_exit *e)
{
	struct vm *vm = v->vm;
	switch (e->kind) {
	case VCPU_EXIT_NONE:
	case VCPU_EXIT_INTERRUPT_WINDOW:
		break;
	case VCPU_EXIT_IO:
		handle_io(v, e);
		break;
	case VCPU_EXIT_CPUID:
		handle_cpuid(v, e);
		break;
	case VCPU_EXIT_MSR_READ:
	case VCPU_EXIT_MSR_WRITE:
		handle_msr(v, e);
		break;
	case VCPU_EXIT_HLT:
		v->rip = e->next_rip;
		v->halted = true;
		break;
	case VCPU_EXIT_NOP:
		v->rip = e->next_rip;
		break;
	case VCPU_EXIT_HYPERCALL:
		if (!hyperv_hypercall(v, e))
			hv->vcpu_inject(v, VCPU_EVENT_EXCEPTION, VECTOR_UD, false, 0);
		break;
	case VCPU_EXIT_UNDEFINED:
		hv->vcpu_inject(v, VCPU_EVENT_EXCEPTION, VECTOR_UD, false, 0);
		break;
	case VCPU_EXIT_MMIO:
		platform_mmio(v, e);
		break;
	case VCPU_EXIT_SHUTDOWN: {
		/* CR2 tells a fault on the guest's own IDT or stack (the usual way to a triple fault) from others. */
		struct x86_cpu_state st;
		hv->vcpu_get_state(v, &st);
		vm_stop_from_guest(vm, "triple fault on vCPU %u at RIP %#llx (CR2 %#llx)", v->index,
				   (unsigned long long)v->rip, (unsigned long long)st.cr2);
		break;
	}
	case VCPU_EXIT_INVALID:
		if (e->detail)
			vm_stop_from_guest(vm, "vCPU %u: %s", v->index, e->detail);
		else
			vm_stop_from_guest(vm, "vCPU %u: the CPU refused the guest state (exit code %#llx)", v->index,
					   (unsigned long long)e->raw.code);
		break;
	case VCPU_EXIT_UNKNOWN:
		vm_stop_from_guest(vm, "vCPU %u: unexpected exit %#llx (info %#llx %#llx) at RIP %#llx", v->index,
				   (unsigned long long)e->raw.code, (unsigned long long)e->raw.info1,
				   (unsigned long long)e->raw.info2, (unsigned long long)v->rip);
		break;
	}
}

static int resumed(void *ctx)
{
	struct vm *vm = ctx;
	return !vm->pause_requested || vm->stop_requested;
}

void vcpu_main(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	struct vcpu_exit e;
	while (!vm->stop_requested) {
		if (vm->pause_requested) {
			__atomic_add_fetch(&vm->paused_vcpus, 1, __ATOMIC_SEQ_CST);
			wait_wake_all(&vm->state_wait);
			wait_until(&vm->state_wait, resumed, vm);
			__atomic_sub_fetch(&vm->paused_vcpus, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		uint64_t next_timer = platform_deliver_interrupts(v);
		if (v->halted || v->waiting_for_sipi) {
			sleep_until_event(v, next_timer);
			continue;
		}
		hv->vcpu_run(v, &e);
		__atomic_add_fetch(&vm->exits, 1, __ATOMIC_RELAXED);
		handle_exit(v, &e);
	}
	vm_vcpu_exited(vm);
}
