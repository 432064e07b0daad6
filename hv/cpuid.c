/* The guest CPUID table. Each row names a leaf and, per register, the host bits a guest may see; rows with a
 * function compute the leaf; the Hyper-V leaves come from hv/vmbus/hyperv.c. Leaves not listed read as zero,
 * as on AMD. Hidden on purpose: SVM and VMX (no nested virtualization), XSAVE/AVX (guest FPU state is switched
 * with FXSAVE), MONITOR/MWAIT, x2APIC, PCID, RDTSCP, performance counters, and every speculation-control MSR
 * bit (those MSRs fault). */
#include <string.h>
#include "hv/cpuid.h"
#include "hv/vmbus/hyperv.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "kernel/arch.h"

struct cpuid_row {
	uint32_t leaf;
	uint32_t keep[4]; /* host bits passed through, per register */
	void (*fill)(const struct vcpu *v, uint32_t subleaf, uint32_t r[4]);
};

static void leaf_basic_max(const struct vcpu *v, uint32_t subleaf, uint32_t r[4])
{
	(void)v, (void)subleaf;
	if (r[0] > 0xd)
		r[0] = 0xd;
}

static void leaf_features(const struct vcpu *v, uint32_t subleaf, uint32_t r[4])
{
	(void)subleaf;
	/* EBX: CLFLUSH line size kept; logical CPU count and this vCPU's initial APIC ID. */
	r[1] = (r[1] & 0xff00u) | ((uint32_t)v->vm->config.cpus << 16) | ((uint32_t)v->index << 24);
	r[2] |= (1u << 31) | (1u << 24); /* a hypervisor is present; TSC-deadline timer */
	if (v->vm->config.cpus > 1)
		r[3] |= 1u << 28; /* HTT: the count in EBX is valid */
}

static void leaf_keel(const struct vcpu *v, uint32_t subleaf, uint32_t r[4])
{
	(void)v, (void)subleaf;
	r[0] = CPUID_KEEL_BASE + 1;
	memcpy(&r[1], "Keel", 4);
	memcpy(&r[2], "Keel", 4);
	memcpy(&r[3], "Keel", 4);
}

static void leaf_ext_max(const struct vcpu *v, uint32_t subleaf, uint32_t r[4])
{
	(void)v, (void)subleaf;
	if (r[0] > 0x80000008)
		r[0] = 0x80000008;
}

static void leaf_address_sizes(const struct vcpu *v, uint32_t subleaf, uint32_t r[4])
{
	(void)subleaf;
	r[2] = v->vm->config.cpus - 1; /* cores per package, minus one */
}

#define ALL 0xffffffffu
static const struct cpuid_row table[] = {
	{ 0x00000000, { ALL, ALL, ALL, ALL }, leaf_basic_max },
	/* ECX: SSE3, PCLMUL, SSSE3, CX16, SSE4.1/4.2, MOVBE, POPCNT, TSC-deadline (set below: the local APIC
	 * model has it whatever the host's), AES, RDRAND (FMA needs AVX: hidden).
	 * EDX: the architectural basics without MCE/MCA, PSN, DS, ACPI thermal, SS, TM, PBE. */
	{ 0x00000001, { ALL, 0x0000ff00u, 0x42d82203u, 0x078bbb7fu }, leaf_features },
	/* EBX: FSGSBASE, BMI1, SMEP, BMI2, ERMS, RDSEED, ADX, SMAP, CLFLUSHOPT. */
	{ 0x00000007, { 0, 0x009c0389u, 0, 0 }, NULL },
	{ CPUID_KEEL_BASE, { 0, 0, 0, 0 }, leaf_keel },
	{ CPUID_KEEL_BASE + 1, { 0, 0, 0, 0 }, NULL },
	{ 0x80000000, { ALL, ALL, ALL, ALL }, leaf_ext_max },
	/* ECX: LAHF, ABM, SSE4A, misaligned SSE, PREFETCHW. EDX: all but RDTSCP (27). */
	{ 0x80000001, { 0, 0, 0x000001e1u, ALL & ~(1u << 27) }, NULL },
	{ 0x80000002, { ALL, ALL, ALL, ALL }, NULL },
	{ 0x80000003, { ALL, ALL, ALL, ALL }, NULL },
	{ 0x80000004, { ALL, ALL, ALL, ALL }, NULL },
	{ 0x80000005, { ALL, ALL, ALL, ALL }, NULL },
	{ 0x80000006, { ALL, ALL, ALL, ALL }, NULL },
	{ 0x80000007, { 0, 0, 0, 1u << 8 }, NULL }, /* invariant TSC */
	{ 0x80000008, { 0x0000ffffu, 0, 0, 0 }, leaf_address_sizes },
};

void cpuid_guest(const struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	if (leaf >= HYPERV_CPUID_FIRST && leaf <= HYPERV_CPUID_LAST) {
		hyperv_cpuid(v, leaf, out);
		return;
	}
	memset(out, 0, 4 * sizeof out[0]);
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		const struct cpuid_row *row = &table[i];
		if (row->leaf != leaf)
			continue;
		uint32_t host[4];
		cpuid(leaf, subleaf, &host[0], &host[1], &host[2], &host[3]);
		if (leaf == 0x00000007 && subleaf != 0)
			return;
		for (int r = 0; r < 4; r++)
			out[r] = host[r] & row->keep[r];
		if (row->fill)
			row->fill(v, subleaf, out);
		return;
	}
}
