/* Guest MSRs not kept in the backend's guest state (nor Hyper-V's synthetic ones, hv/vmbus/hyperv.c): the
 * TSC, the APIC base, the MTRRs, machine-check and a few AMD configuration registers Linux reads at boot.
 * Unknown indexes fault and are logged a few times per VM, so a scanning guest cannot flood the log. */
#include <errno.h>
#include "hv/backend.h"
#include "hv/vmbus/hyperv.h"
#include "hv/msr.h"
#include "hv/platform.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "kernel/arch.h"
#include "kernel/log.h"

#define MSR_TSC 0x10
#define MSR_APIC_BASE_GUEST 0x1b
#define MSR_PATCH_LEVEL 0x8b
#define MSR_MTRR_CAP 0xfe
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_MISC_ENABLE 0x1a0
#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MTRR_PHYS_FIRST 0x200
#define MSR_MTRR_PHYS_LAST 0x20f
#define MSR_MTRR_FIX_64K 0x250
#define MSR_MTRR_FIX_16K_FIRST 0x258
#define MSR_MTRR_FIX_16K_LAST 0x259
#define MSR_MTRR_FIX_4K_FIRST 0x268
#define MSR_MTRR_FIX_4K_LAST 0x26f
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_AMD_SYSCFG 0xc0010010
#define MSR_AMD_HWCR 0xc0010015
#define MSR_AMD_NB_CFG 0xc001001f
#define MSR_AMD_INT_PENDING 0xc0010055
#define MSR_AMD_DE_CFG 0xc0011029

#define APIC_BASE_DEFAULT 0xfee00000ull
#define UNKNOWN_LOG_LIMIT 8

/* MTRR contents per vCPU: kept so the guest reads back what it wrote; memory types have no effect on
 * emulated or NPT-mapped RAM that Keel maps write-back. */
static int mtrr_slot(uint32_t index)
{
	if (index >= MSR_MTRR_PHYS_FIRST && index <= MSR_MTRR_PHYS_LAST)
		return (int)(index - MSR_MTRR_PHYS_FIRST);
	if (index == MSR_MTRR_FIX_64K)
		return 16;
	if (index >= MSR_MTRR_FIX_16K_FIRST && index <= MSR_MTRR_FIX_16K_LAST)
		return 17 + (int)(index - MSR_MTRR_FIX_16K_FIRST);
	if (index >= MSR_MTRR_FIX_4K_FIRST && index <= MSR_MTRR_FIX_4K_LAST)
		return 19 + (int)(index - MSR_MTRR_FIX_4K_FIRST);
	if (index == MSR_MTRR_DEF_TYPE)
		return 27;
	return -1;
}

int msr_guest_access(struct vcpu *v, bool write, uint32_t index, uint64_t *value)
{
	int err = hv->vcpu_msr(v, write, index, value);
	if (err != -ENOENT)
		return err;
	err = hyperv_msr(v, write, index, value);
	if (err != -ENOENT)
		return err;
	int slot = mtrr_slot(index);
	if (slot >= 0) {
		if (write)
			v->mtrr[slot] = *value;
		else
			*value = v->mtrr[slot];
		return 0;
	}
	switch (index) {
	case MSR_TSC:
		if (!write)
			*value = rdtsc();
		return 0; /* the TSC stays the host's: a guest's write is accepted and has no effect */
	case MSR_APIC_BASE_GUEST:
		if (!write) {
			*value = APIC_BASE_DEFAULT | (1u << 11) | (v->index == 0 ? 1u << 8 : 0);
			return 0;
		}
		return (*value & ~0xfffull) == APIC_BASE_DEFAULT ? 0 : -EINVAL;
	case MSR_TSC_DEADLINE:
		return platform_lapic_tsc_deadline(v, write, value);
	case MSR_MISC_ENABLE:
		/* Intel's: fast strings on, XD not disabled. Linux reads it on Intel CPUs before it runs. */
		if (!write)
			*value = 1;
		return 0;
	case MSR_MTRR_CAP:
		if (write)
			return -EINVAL;
		*value = (1u << 10) | (1u << 8) | 8; /* write-combining, fixed ranges, 8 variable ranges */
		return 0;
	case MSR_PATCH_LEVEL:
	case MSR_MCG_STATUS:
	case MSR_AMD_SYSCFG:
	case MSR_AMD_HWCR:
	case MSR_AMD_NB_CFG:
	case MSR_AMD_INT_PENDING:
	case MSR_AMD_DE_CFG:
		if (!write)
			*value = 0;
		return 0;
	case MSR_MCG_CAP:
		if (write)
			return -EINVAL;
		*value = 0; /* no machine-check banks */
		return 0;
	default:
		if (__atomic_fetch_add(&v->vm->unknown_msr_accesses, 1, __ATOMIC_RELAXED) < UNKNOWN_LOG_LIMIT)
			log_printf("vm %s: vCPU %u %s of unknown MSR %#x: #GP\n", v->vm->config.name, v->index,
				   write ? "WRMSR" : "RDMSR", index);
		return -EINVAL;
	}
}
