/* What CPUID tells a guest: the host's values filtered to what Keel virtualizes, plus Keel's own leaves. */
#ifndef HV_CPUID_H
#define HV_CPUID_H

#include <stdint.h>

struct vcpu;

/* Keel's own hypervisor leaves, after the Hyper-V interface's at 0x40000000 (as KVM places its leaves
 * when it also offers Hyper-V's). */
#define CPUID_KEEL_BASE 0x40000100u

/* The four registers (EAX, EBX, ECX, EDX) a guest's CPUID(leaf, subleaf) returns on v. */
void cpuid_guest(const struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

#endif
