/* CPU feature detection, including whether hardware virtualization is present and not locked off by the
 * firmware (VM_CR.SVMDIS on AMD, IA32_FEATURE_CONTROL on Intel). Bits are those of the vendors' manuals. */
#include <string.h>
#include "kernel/arch.h"
#include "kernel/cpu/features.h"

struct cpu_features cpu_features;

#define MSR_VM_CR 0xc0010114
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_VMX_PROCBASED_CTLS 0x482
#define MSR_VMX_PROCBASED_CTLS2 0x48b

static void detect_svm(uint32_t ecx81)
{
	uint32_t a, b, c, d;
	cpu_features.svm = ecx81 & (1u << 2);
	if (!cpu_features.svm)
		return;
	cpuid(0x8000000a, 0, &a, &b, &c, &d);
	cpu_features.npt = d & (1u << 0);
	cpu_features.nrip_save = d & (1u << 3);
	if (rdmsr(MSR_VM_CR) & (1u << 4))
		cpu_features.virtualization_missing = "SVM is disabled by the firmware (VM_CR.SVMDIS)";
	else if (!cpu_features.npt)
		cpu_features.virtualization_missing = "CPU has SVM without nested paging (NPT)";
	else
		cpu_features.virtualization = VIRT_SVM;
}

static void detect_vmx(uint32_t ecx1)
{
	cpu_features.vmx = ecx1 & (1u << 5);
	if (!cpu_features.vmx)
		return;
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	if ((fc & 1) && !(fc & (1u << 2))) {
		cpu_features.virtualization_missing = "VMX is disabled by the firmware (IA32_FEATURE_CONTROL)";
		return;
	}
	/* EPT is a secondary processor-based control: allowed-1 bits are the MSR's high half. */
	if ((rdmsr(MSR_VMX_PROCBASED_CTLS) >> 32) & (1u << 31))
		cpu_features.ept = (rdmsr(MSR_VMX_PROCBASED_CTLS2) >> 32) & (1u << 1);
	if (!cpu_features.ept)
		cpu_features.virtualization_missing = "CPU has VMX without extended page tables (EPT)";
	else
		cpu_features.virtualization = VIRT_VMX;
}

void cpu_features_detect(void)
{
	uint32_t a, b, c, d, max, ecx1, ecx81 = 0;
	cpuid(0, 0, &max, &b, &c, &d);
	memcpy(cpu_features.vendor, &b, 4);
	memcpy(cpu_features.vendor + 4, &d, 4);
	memcpy(cpu_features.vendor + 8, &c, 4);
	cpuid(1, 0, &a, &b, &ecx1, &d);
	cpu_features.xsave = ecx1 & (1u << 26);
	cpu_features.rdrand = ecx1 & (1u << 30);
	cpu_features.x2apic = ecx1 & (1u << 21);
	cpuid(0x80000000, 0, &max, &b, &c, &d);
	if (max >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &ecx81, &d);
		cpu_features.nx = d & (1u << 20);
		cpu_features.pdpe1gb = d & (1u << 26);
	}
	if (max >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		cpu_features.invariant_tsc = d & (1u << 8);
	}

	cpu_features.virtualization_missing = "CPU has no SVM or VMX";
	detect_svm(ecx81);
	if (cpu_features.virtualization == VIRT_NONE && !cpu_features.svm)
		detect_vmx(ecx1);
}

const char *cpu_virtualization_name(void)
{
	switch (cpu_features.virtualization) {
	case VIRT_SVM:
		return "svm";
	case VIRT_VMX:
		return "vmx";
	default:
		return NULL;
	}
}
