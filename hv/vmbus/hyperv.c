/* Keel's side of the Hyper-V guest interface: identity and feature leaves, the synthetic MSRs a guest
 * needs to learn its timer frequencies and to enable hypercalls, and hypercalls answered "invalid code"
 * until VMBus gives them work. Only what the feature leaf offers is implemented; other synthetic MSRs fault
 * like any unknown MSR. */
#include <errno.h>
#include <string.h>
#include "hv/backend.h"
#include "hv/dev/lapic.h"
#include "hv/vmbus/hyperv.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "kernel/log.h"
#include "kernel/time.h"

#define MSR_GUEST_OS_ID           0x40000000u
#define MSR_HYPERCALL             0x40000001u
#define MSR_VP_INDEX              0x40000002u
#define MSR_TSC_FREQUENCY         0x40000022u
#define MSR_APIC_FREQUENCY        0x40000023u
#define MSR_VP_ASSIST_PAGE        0x40000073u
#define MSR_TSC_INVARIANT_CONTROL 0x40000118u

#define HYPERCALL_ENABLE 1ull
#define HYPERCALL_LOCKED 2ull
#define PAGE_MASK        0xfffull

/* Partition privileges (CPUID 0x40000003 EAX) and feature flags (EDX). */
#define PRIV_HYPERCALL_MSRS    (1u << 5)
#define PRIV_VP_INDEX          (1u << 6)
#define PRIV_FREQUENCY_MSRS    (1u << 11)
#define PRIV_TSC_INVARIANT     (1u << 15)
#define FEATURE_FREQUENCY_MSRS (1u << 8)

#define INTERFACE_HV1 0x31237648u /* "Hv#1" */
#define STATUS_INVALID_HYPERCALL_CODE 2u

void hyperv_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t out[4])
{
	memset(out, 0, 4 * sizeof out[0]);
	switch (leaf) {
	case 0x40000000:
		out[0] = HYPERV_CPUID_LAST;
		memcpy(&out[1], "Micr", 4);
		memcpy(&out[2], "osof", 4);
		memcpy(&out[3], "t Hv", 4);
		break;
	case 0x40000001:
		out[0] = INTERFACE_HV1;
		break;
	case 0x40000002: /* host version: Keel's, as major.minor in EBX */
		out[1] = 1;
		break;
	case 0x40000003:
		/* The guest TSC is the host's, which Keel's own clock already takes as constant-rate: offered as
		 * invariant so guests keep it as their clock source. */
		out[0] = PRIV_HYPERCALL_MSRS | PRIV_VP_INDEX | PRIV_FREQUENCY_MSRS | PRIV_TSC_INVARIANT;
		out[3] = FEATURE_FREQUENCY_MSRS;
		break;
	case 0x40000004:
		out[1] = 0xffffffffu; /* no enlightenment recommended; never notify long spinlock waits */
		break;
	case 0x40000005:
		out[0] = VM_MAX_VCPUS;
		out[1] = v->vm->config.cpus;
		break;
	}
}

/* Writes the hypercall stub (the backend's hypercall instruction, then RET) into the page the guest chose;
 * false when that page is not guest RAM. */
static bool fill_hypercall_page(struct vm *vm, uint64_t gpa)
{
	uint8_t *page = guest_memory_ptr(&vm->memory, gpa, 4096);
	if (!page)
		return false;
	memset(page, 0xcc, 4096);
	memcpy(page, hv->hypercall_insn, sizeof hv->hypercall_insn);
	page[sizeof hv->hypercall_insn] = 0xc3;
	return true;
}

static int write_hypercall_msr(struct vcpu *v, uint64_t value)
{
	struct hyperv_partition *p = &v->vm->hyperv;
	if (p->hypercall & HYPERCALL_LOCKED)
		return 0;
	/* Hypercalls stay off until the guest has said who it is. */
	if (!p->guest_os_id)
		value &= ~HYPERCALL_ENABLE;
	if ((value & HYPERCALL_ENABLE) && !fill_hypercall_page(v->vm, value & ~PAGE_MASK)) {
		log_printf("vm %s: hypercall page at %#llx is not guest RAM; hypercalls stay off\n",
			   v->vm->config.name, (unsigned long long)(value & ~PAGE_MASK));
		value &= ~HYPERCALL_ENABLE;
	}
	p->hypercall = value & (~PAGE_MASK | HYPERCALL_ENABLE | HYPERCALL_LOCKED);
	return 0;
}

int hyperv_msr(struct vcpu *v, bool write, uint32_t index, uint64_t *value)
{
	struct hyperv_partition *p = &v->vm->hyperv;
	switch (index) {
	case MSR_GUEST_OS_ID:
		if (write) {
			p->guest_os_id = *value;
			if (!*value)
				p->hypercall &= ~HYPERCALL_ENABLE;
		} else {
			*value = p->guest_os_id;
		}
		return 0;
	case MSR_HYPERCALL:
		if (write)
			return write_hypercall_msr(v, *value);
		*value = p->hypercall;
		return 0;
	case MSR_VP_ASSIST_PAGE:
		/* Kept for read-back only: no enlightenment that uses the page is recommended. */
		if (write)
			v->hyperv_vp_assist = *value & (~PAGE_MASK | 1);
		else
			*value = v->hyperv_vp_assist;
		return 0;
	case MSR_TSC_INVARIANT_CONTROL:
		if (write)
			p->tsc_invariant_control = *value & 1;
		else
			*value = p->tsc_invariant_control;
		return 0;
	case MSR_VP_INDEX:
	case MSR_TSC_FREQUENCY:
	case MSR_APIC_FREQUENCY:
		if (write)
			return -EINVAL;
		*value = index == MSR_VP_INDEX ? v->index : index == MSR_TSC_FREQUENCY ? time_tsc_hz() : LAPIC_DEFAULT_TIMER_HZ;
		return 0;
	default:
		return -ENOENT;
	}
}

bool hyperv_hypercall(struct vcpu *v, const struct vcpu_exit *e)
{
	struct x86_cpu_state s;
	if (!(v->vm->hyperv.hypercall & HYPERCALL_ENABLE))
		return false;
	hv->vcpu_get_state(v, &s);
	if (s.cpl != 0)
		return false;
	/* The 64-bit convention returns the status in RAX; the 32-bit one in EDX:EAX. */
	v->gpr[REG_RAX] = STATUS_INVALID_HYPERCALL_CODE;
	if (!((s.efer & X86_EFER_LMA) && (s.seg[X86_SEG_CS].attr & X86_SEG_ATTR_L)))
		v->gpr[REG_RDX] = 0;
	v->rip = e->next_rip;
	return true;
}
