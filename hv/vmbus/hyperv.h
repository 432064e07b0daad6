/* The Hyper-V guest interface every VM sees (Microsoft's Hypervisor Top Level Functional Specification):
 * the 0x40000000 CPUID leaves, the synthetic MSRs and the hypercall page. Stock Linux and Windows guests
 * find their TSC and local-APIC timer frequencies here instead of calibrating them against emulated timers,
 * which is slow and unreliable when a vCPU can be descheduled mid-measurement. */
#ifndef HV_VMBUS_HYPERV_H
#define HV_VMBUS_HYPERV_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct vcpu_exit;

#define HYPERV_CPUID_FIRST 0x40000000u
#define HYPERV_CPUID_LAST  0x40000005u

/* Partition-wide synthetic MSR state; zeroed when the VM starts. */
struct hyperv_partition {
	volatile uint64_t guest_os_id;
	volatile uint64_t hypercall; /* HV_X64_MSR_HYPERCALL as the guest last wrote it */
	volatile uint64_t tsc_invariant_control;
};

/* Fills out[] for a leaf in HYPERV_CPUID_FIRST..HYPERV_CPUID_LAST. */
void hyperv_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t out[4]);
/* RDMSR/WRMSR of a synthetic MSR: 0, -ENOENT when index is not one, -EINVAL for #GP. */
int hyperv_msr(struct vcpu *v, bool write, uint32_t index, uint64_t *value);
/* A VMMCALL/VMCALL: answers it and returns true when the guest enabled its hypercall page and runs at
 * CPL 0; false when the instruction should raise #UD, as it does on Hyper-V then. */
bool hyperv_hypercall(struct vcpu *v, const struct vcpu_exit *e);

#endif
