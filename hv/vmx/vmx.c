/* The Intel VT-x backend: VMXON on each CPU, the controls derived once from the capability MSRs, the shared
 * I/O and MSR bitmaps, and extended page tables. The VMCS lives in vmcs.c, entry and exits in vmx_exit.c. */
#include <errno.h>
#include <string.h>
#include "hv/vm.h"
#include "hv/vmx/vmcs.h"
#include "hv/vmx/vmx.h"
#include "kernel/arch.h"
#include "kernel/cpu/percpu.h"
#include "kernel/log.h"
#include "kernel/mm/pagetable.h"
#include "kernel/mm/phys.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"

#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_VMXE (1ull << 13)
#define CR4_SMXE (1ull << 14)

#define EPT_READ (1ull << 0)
#define EPT_WRITE (1ull << 1)
#define EPT_EXEC (1ull << 2)
#define EPT_RWX (EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_LARGE (1ull << 7)
#define EPT_TYPE_UC 0ull
#define EPT_TYPE_WB 6ull

static const struct pagetable_format ept_format = {
	.present = EPT_RWX,
	.table_flags = EPT_RWX,
	.large = EPT_LARGE,
};

struct vmx_caps vmx_caps;

/* Passed through: the syscall MSRs and KERNEL_GS_BASE (switched by the MSR areas), FS/GS base and SYSENTER
 * (guest-state fields). EFER and PAT are guest fields too but go through vcpu_msr, which checks them. */
const uint32_t vmx_switched_msrs[VMX_SWITCHED_MSRS] = { 0xc0000102, 0xc0000081, 0xc0000082, 0xc0000083,
							 0xc0000084 };
static const uint32_t passthrough_msrs[] = { 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000081, 0xc0000082,
					     0xc0000083, 0xc0000084, 0x174, 0x175, 0x176 };

/* The host's values of vmx_switched_msrs, per CPU, loaded by every VM exit (the kernel image is below 4 GiB). */
static struct vmx_msr_entry host_msrs[MAX_CPUS][VMX_SWITCHED_MSRS] __attribute__((aligned(16)));

uint64_t vmx_host_msrs_pa(unsigned cpu) { return virt_to_phys(host_msrs[cpu]); }

/* VMX structures stay below 4 GiB, which every CPU accepts (IA32_VMX_BASIC bit 48 may demand it). */
static int alloc_low(uint64_t n, uint64_t *pa) { return page_alloc_contig(n, 1, 1ull << 32, pa); }

/* A control word: the bits the CPU forces on, plus required and wanted bits it allows. Fails when a required
 * bit is not allowed or the CPU forces on a bit Keel does not handle. */
static int derive(const char *what, uint64_t msr, uint32_t required, uint32_t wanted, uint32_t unhandled,
		  uint32_t *out)
{
	uint32_t must = (uint32_t)msr, may = (uint32_t)(msr >> 32);
	if (required & ~may) {
		log_printf("hv: VT-x lacks the %s controls %#x that Keel needs\n", what, required & ~may);
		return -ENODEV;
	}
	if (must & unhandled) {
		log_printf("hv: VT-x forces the %s controls %#x that Keel does not handle\n", what, must & unhandled);
		return -ENODEV;
	}
	*out = (must | required | wanted) & may;
	return 0;
}

static int caps_init(void)
{
	struct vmx_caps *c = &vmx_caps;
	c->basic = rdmsr(MSR_VMX_BASIC);
	bool true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;
	c->ctl_msr[VMX_CTL_PIN] = rdmsr(true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS : MSR_VMX_PINBASED_CTLS);
	c->ctl_msr[VMX_CTL_PROC] = rdmsr(true_ctls ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS);
	c->ctl_msr[VMX_CTL_EXIT] = rdmsr(true_ctls ? MSR_VMX_TRUE_EXIT_CTLS : MSR_VMX_EXIT_CTLS);
	c->ctl_msr[VMX_CTL_ENTRY] = rdmsr(true_ctls ? MSR_VMX_TRUE_ENTRY_CTLS : MSR_VMX_ENTRY_CTLS);
	c->misc = rdmsr(MSR_VMX_MISC);
	c->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);

	/* The preemption timer is a backstop that ends a guest's turn once per scheduler tick even if the host's
	 * interrupt never makes it exit: Bochs 2.7 misses external-interrupt exits while a guest runs with IF
	 * clear (it re-evaluates them only when IF changes). One tick, not more: the host's serial receive FIFO
	 * (16 bytes, about 1.4 ms at 115200 baud) must be served before it overflows. Where the tick's own
	 * interrupt exits, as on real CPUs, the timer hardly ever fires. */
	int e = derive("pin-based", c->ctl_msr[VMX_CTL_PIN], PIN_EXTERNAL_INTERRUPT | PIN_NMI_EXITING,
		       PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER, 0, &c->pin);
	uint64_t ticks = (time_tsc_hz() / SCHED_TICK_HZ) >> VMX_MISC_PREEMPTION_RATE(c->misc);
	c->preemption_timer = ticks > 0xffffffffu ? 0xffffffffu : ticks ? (uint32_t)ticks : 1;
	if (!e)
		e = derive("processor-based", c->ctl_msr[VMX_CTL_PROC],
			   PROC_HLT | PROC_MWAIT | PROC_MONITOR | PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY, 0,
			   PROC_INTERRUPT_WINDOW | PROC_NMI_WINDOW | PROC_INVLPG | PROC_RDTSC | PROC_CR3_LOAD |
				   PROC_CR3_STORE | (3u << 19) /* CR8 load/store */ | PROC_MOV_DR | (1u << 27) /* MTF */,
			   &c->proc);
	if (e)
		return e;
	if (!((c->ctl_msr[VMX_CTL_PROC] >> 32) & PROC_INTERRUPT_WINDOW)) {
		log_printf("hv: VT-x has no interrupt-window exiting\n");
		return -ENODEV;
	}
	c->ctl_msr[VMX_CTL_PROC2] = rdmsr(MSR_VMX_PROCBASED_CTLS2);
	c->ept_vpid = rdmsr(MSR_VMX_EPT_VPID_CAP);
	c->invept_type = (c->ept_vpid & EPT_CAP_INVEPT_SINGLE) ? 1 : (c->ept_vpid & EPT_CAP_INVEPT_ALL) ? 2 : 0;
	if (!(c->ept_vpid & EPT_CAP_INVEPT))
		c->invept_type = 0;
	c->invvpid_type = (c->ept_vpid & VPID_CAP_INVVPID_SINGLE) ? 1 : (c->ept_vpid & VPID_CAP_INVVPID_ALL) ? 2 : 0;
	if (!(c->ept_vpid & VPID_CAP_INVVPID))
		c->invvpid_type = 0;
	/* VPID tags the guest's TLB entries so exits need not flush them; without INVVPID Keel could not flush
	 * a recycled tag, so it goes without. */
	const uint32_t handled2 = PROC2_EPT | PROC2_UNRESTRICTED | PROC2_WBINVD | PROC2_VPID;
	e = derive("secondary", c->ctl_msr[VMX_CTL_PROC2], PROC2_EPT | PROC2_UNRESTRICTED,
		   PROC2_WBINVD | (c->invvpid_type ? PROC2_VPID : 0), ~handled2, &c->proc2);
	if (!e)
		e = derive("VM-exit", c->ctl_msr[VMX_CTL_EXIT],
			   EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER, EXIT_SAVE_DEBUG,
			   1u << 15 /* acknowledge interrupt on exit */, &c->exit);
	if (!e)
		e = derive("VM-entry", c->ctl_msr[VMX_CTL_ENTRY], ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, ENTRY_LOAD_DEBUG,
			   ENTRY_IA32E | (3u << 10) /* SMM */, &c->entry);
	if (e)
		return e;
	if (!(c->ept_vpid & EPT_CAP_WALK4) || !(c->ept_vpid & (EPT_CAP_WB | EPT_CAP_UC))) {
		log_printf("hv: VT-x EPT lacks 4-level tables or a usable memory type (caps %#llx)\n",
			   (unsigned long long)c->ept_vpid);
		return -ENODEV;
	}
	uint64_t type = (c->ept_vpid & EPT_CAP_WB) ? EPT_TYPE_WB : EPT_TYPE_UC;
	c->eptp_flags = type | (3ull << 3);
	c->ept_leaf_flags = type << 3;
	c->ept_2m = c->ept_vpid & EPT_CAP_2M;

	/* The bits of CR0 and CR4 that VMX pins (NE, VMXE), and those the CPU does not allow, stay Keel's: a
	 * guest write that changes them in the guest's view exits. PE and PG are the guest's (unrestricted). */
	c->cr0_mask = ((c->cr0_fixed0 & ~(CR0_PE | CR0_PG)) | ~c->cr0_fixed1) & 0xffffffffull;
	c->cr4_mask = (c->cr4_fixed0 | ~c->cr4_fixed1 | CR4_VMXE | CR4_SMXE) & 0xffffffffull;

	if (alloc_low(2, &c->io_bitmaps_pa) || alloc_low(1, &c->msr_bitmap_pa))
		return -ENOMEM;
	memset(phys_to_virt(c->io_bitmaps_pa), 0xff, 2 * 4096);
	uint8_t *msrs = phys_to_virt(c->msr_bitmap_pa);
	memset(msrs, 0xff, 4096);
	/* Read bitmaps for low and high MSRs at 0 and 1024, write bitmaps at 2048 and 3072. */
	for (size_t i = 0; i < sizeof passthrough_msrs / sizeof passthrough_msrs[0]; i++) {
		uint32_t m = passthrough_msrs[i];
		unsigned base = m >= 0xc0000000 ? 1024 : 0;
		m &= 0x1fff;
		msrs[base + m / 8] &= (uint8_t)~(1u << (m % 8));
		msrs[2048 + base + m / 8] &= (uint8_t)~(1u << (m % 8));
	}
	log_printf("hv: VT-x controls pin %#x proc %#x proc2 %#x exit %#x entry %#x%s\n", c->pin, c->proc, c->proc2,
		   c->exit, c->entry, true_ctls ? " (true controls)" : "");
	return 0;
}

static int vmx_cpu_enable(void)
{
	struct cpu *c = this_cpu();
	int e;
	if (c->index == 0 && !vmx_caps.basic && (e = caps_init()))
		return e;
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK)) {
		fc |= FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
		wrmsr(MSR_FEATURE_CONTROL, fc);
	}
	if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		log_printf("hv: CPU %u: the firmware locked VMX off (IA32_FEATURE_CONTROL %#llx)\n", c->index,
			   (unsigned long long)fc);
		return -EPERM;
	}
	uint64_t cr0 = (read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1);
	uint64_t cr4 = (read_cr4() | rdmsr(MSR_VMX_CR4_FIXED0) | CR4_VMXE) & rdmsr(MSR_VMX_CR4_FIXED1);
	uint64_t region;
	if (alloc_low(1, &region))
		return -ENOMEM;
	*(uint32_t *)phys_to_virt(region) = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffffu;
	for (unsigned i = 0; i < VMX_SWITCHED_MSRS; i++)
		host_msrs[c->index][i] = (struct vmx_msr_entry){ vmx_switched_msrs[i], 0, rdmsr(vmx_switched_msrs[i]) };
	uint64_t flags = irq_save();
	write_cr0(cr0);
	write_cr4(cr4);
	e = vmx_on(region);
	irq_restore(flags);
	if (e) {
		log_printf("hv: CPU %u: VMXON failed\n", c->index);
		page_free(region);
		return -EIO;
	}
	return 0;
}

static int vmx_vm_init(struct vm *vm) { return alloc_low(1, &vm->npt_root); }

static void vmx_vm_destroy(struct vm *vm)
{
	if (vm->npt_root)
		pagetable_free(&ept_format, vm->npt_root);
	vm->npt_root = 0;
}

uint64_t vmx_eptp(const struct vm *vm) { return vm->npt_root | vmx_caps.eptp_flags; }

static int vmx_vm_map(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	const uint64_t leaf = EPT_RWX | vmx_caps.ept_leaf_flags;
	for (uint64_t off = 0; off < size;) {
		uint64_t *e;
		if (vmx_caps.ept_2m && !((gpa + off) & 0x1fffff) && !((hpa + off) & 0x1fffff) && size - off >= 0x200000) {
			if (!(e = pagetable_entry(&ept_format, vm->npt_root, gpa + off, 2, 1)))
				return -ENOMEM;
			*e = (hpa + off) | leaf | EPT_LARGE;
			off += 0x200000;
		} else {
			if (!(e = pagetable_entry(&ept_format, vm->npt_root, gpa + off, 1, 1)))
				return -ENOMEM;
			*e = (hpa + off) | leaf;
			off += 4096;
		}
	}
	return 0;
}

const struct hv_backend vmx_backend = {
	.name = "vmx",
	.hypercall_insn = { 0x0f, 0x01, 0xc1 },
	.cpu_enable = vmx_cpu_enable,
	.vm_init = vmx_vm_init,
	.vm_destroy = vmx_vm_destroy,
	.vm_map = vmx_vm_map,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_destroy = vmx_vcpu_destroy,
	.vcpu_run = vmx_vcpu_run,
	.vcpu_interruptible = vmx_vcpu_interruptible,
	.vcpu_inject = vmx_vcpu_inject,
	.vcpu_request_window = vmx_vcpu_request_window,
	.vcpu_msr = vmx_vcpu_msr,
	.vcpu_get_state = vmx_vcpu_get_state,
	.vcpu_set_cr2 = vmx_vcpu_set_cr2,
	.vcpu_reset_protected32 = vmx_reset_protected32,
	.vcpu_reset_real = vmx_reset_real,
	.vcpu_reset_long64 = vmx_reset_long64,
};
