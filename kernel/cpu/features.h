/* What this CPU offers that Keel cares about, read once at boot with CPUID and the firmware's locks. */
#ifndef KERNEL_CPU_FEATURES_H
#define KERNEL_CPU_FEATURES_H

#include <stdbool.h>

enum virtualization { VIRT_NONE, VIRT_SVM, VIRT_VMX };

struct cpu_features {
	bool nx, pdpe1gb, xsave, rdrand, x2apic, invariant_tsc;
	bool svm, npt, nrip_save, vmx, ept;
	enum virtualization virtualization;
	const char *virtualization_missing; /* why virtualization is VIRT_NONE */
	char vendor[13];
};

extern struct cpu_features cpu_features;

/* Fills cpu_features on the boot CPU. */
void cpu_features_detect(void);
/* "svm", "vmx" or NULL. */
const char *cpu_virtualization_name(void);

#endif
