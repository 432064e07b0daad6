/* One VMCS per vCPU: allocation, first-use setup on the vCPU's own CPU (controls, host state, EPT and VPID),
 * the guest's entry state (protected32 or real mode), and clearing it on the CPU that holds it. Every VMCS
 * access happens on the vCPU's thread with interrupts off, so no other VMCS becomes current meanwhile; the
 * resets that hv/vm.c and the loaders call from the shell's thread are recorded and written at the next
 * entry. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/vm.h"
#include "hv/vmx/vmcs.h"
#include "hv/vmx/vmx.h"
#include "kernel/arch.h"
#include "kernel/cpu/gdt.h"
#include "kernel/cpu/percpu.h"
#include "kernel/log.h"
#include "kernel/mm/phys.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/wait.h"

#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_PAT 0x277
#define PAT_DEFAULT 0x0007040600070406ull
#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define EXCEPTION_MC 18

static uint64_t current_vmcs[MAX_CPUS]; /* the VMCS each CPU has current, 0 for none */

struct table_register {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint16_t host_selector(uint16_t sel) { return (sel & 7) ? 0 : sel; } /* RPL and TI must be 0 */

static int write_host_state(unsigned cpu)
{
	uint16_t cs, ss, ds, es, fs, gs;
	struct table_register gdtr, idtr;
	__asm__ volatile("mov %%cs, %0; mov %%ss, %1; mov %%ds, %2; mov %%es, %3; mov %%fs, %4; mov %%gs, %5"
			 : "=r"(cs), "=r"(ss), "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	int e = 0;
	e |= vmcs_write(VMCS_HOST_CR0, read_cr0());
	e |= vmcs_write(VMCS_HOST_CR3, read_cr3());
	e |= vmcs_write(VMCS_HOST_CR4, read_cr4());
	e |= vmcs_write(VMCS_HOST_CS_SEL, cs);
	e |= vmcs_write(VMCS_HOST_SS_SEL, host_selector(ss));
	e |= vmcs_write(VMCS_HOST_DS_SEL, host_selector(ds));
	e |= vmcs_write(VMCS_HOST_ES_SEL, host_selector(es));
	e |= vmcs_write(VMCS_HOST_FS_SEL, host_selector(fs));
	e |= vmcs_write(VMCS_HOST_GS_SEL, host_selector(gs));
	e |= vmcs_write(VMCS_HOST_TR_SEL, GDT_TSS);
	/* FS base is this thread's (musl's thread block): the VMCS only ever runs on this thread. */
	e |= vmcs_write(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	e |= vmcs_write(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	e |= vmcs_write(VMCS_HOST_TR_BASE, (uint64_t)&cpus[cpu].tss);
	e |= vmcs_write(VMCS_HOST_GDTR_BASE, gdtr.base);
	e |= vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	e |= vmcs_write(VMCS_HOST_SYSENTER_CS, rdmsr(MSR_SYSENTER_CS));
	e |= vmcs_write(VMCS_HOST_SYSENTER_ESP, rdmsr(MSR_SYSENTER_ESP));
	e |= vmcs_write(VMCS_HOST_SYSENTER_EIP, rdmsr(MSR_SYSENTER_EIP));
	e |= vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	e |= vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_PAT));
	e |= vmcs_write(VMCS_HOST_RIP, (uint64_t)vmx_exit_entry);
	return e;
}

static int write_controls(struct vcpu *v, struct vmx_vcpu *sv, unsigned cpu)
{
	const struct vmx_caps *c = &vmx_caps;
	int e = 0;
	sv->proc = c->proc;
	e |= vmcs_write(VMCS_PIN_CONTROLS, c->pin);
	e |= vmcs_write(VMCS_PROC_CONTROLS, c->proc);
	e |= vmcs_write(VMCS_PROC2_CONTROLS, c->proc2);
	e |= vmcs_write(VMCS_EXIT_CONTROLS, c->exit);
	e |= vmcs_write(VMCS_ENTRY_CONTROLS, c->entry);
	e |= vmcs_write(VMCS_EXCEPTION_BITMAP, 1u << EXCEPTION_MC); /* #MC belongs to the host */
	e |= vmcs_write(VMCS_PF_ERROR_MASK, 0);
	e |= vmcs_write(VMCS_PF_ERROR_MATCH, 0);
	e |= vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	e |= vmcs_write(VMCS_IO_BITMAP_A, c->io_bitmaps_pa);
	e |= vmcs_write(VMCS_IO_BITMAP_B, c->io_bitmaps_pa + 4096);
	e |= vmcs_write(VMCS_MSR_BITMAP, c->msr_bitmap_pa);
	e |= vmcs_write(VMCS_EXIT_MSR_STORE_ADDR, sv->msr_area_pa);
	e |= vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, VMX_SWITCHED_MSRS);
	e |= vmcs_write(VMCS_ENTRY_MSR_LOAD_ADDR, sv->msr_area_pa);
	e |= vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, VMX_SWITCHED_MSRS);
	e |= vmcs_write(VMCS_EXIT_MSR_LOAD_ADDR, vmx_host_msrs_pa(cpu));
	e |= vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, VMX_SWITCHED_MSRS);
	e |= vmcs_write(VMCS_EPTP, vmx_eptp(v->vm));
	if (c->proc2 & PROC2_VPID)
		e |= vmcs_write(VMCS_VPID, sv->vpid);
	e |= vmcs_write(VMCS_CR0_MASK, c->cr0_mask);
	e |= vmcs_write(VMCS_CR4_MASK, c->cr4_mask);
	e |= vmcs_write(VMCS_LINK_POINTER, ~0ull);
	if (c->pin & PIN_PREEMPTION_TIMER)
		e |= vmcs_write(VMCS_GUEST_PREEMPTION_TIMER, c->preemption_timer); /* reloaded at every entry */
	return e;
}

static int setup(struct vcpu *v, struct vmx_vcpu *sv, unsigned cpu)
{
	*(uint32_t *)phys_to_virt(sv->vmcs_pa) = (uint32_t)vmx_caps.basic & 0x7fffffffu;
	if (vmcs_clear(sv->vmcs_pa) || vmcs_load(sv->vmcs_pa)) {
		snprintf(sv->failure, sizeof sv->failure, "VMCLEAR/VMPTRLD of its VMCS at %#llx failed",
			 (unsigned long long)sv->vmcs_pa);
		return -EIO;
	}
	current_vmcs[cpu] = sv->vmcs_pa;
	sv->cpu = (int)cpu;
	sv->launched = false;
	if (write_controls(v, sv, cpu) || write_host_state(cpu)) {
		snprintf(sv->failure, sizeof sv->failure, "a VMWRITE setting up its VMCS failed (error %llu)",
			 (unsigned long long)vmcs_read(VMCS_INSTRUCTION_ERROR));
		return -EIO;
	}
	/* A VM that reused an EPT root or VPID must not see its predecessor's translations. */
	if (vmx_caps.invept_type)
		vmx_invept((uint64_t)vmx_caps.invept_type, vmx_eptp(v->vm));
	if ((vmx_caps.proc2 & PROC2_VPID) && vmx_caps.invvpid_type)
		vmx_invvpid((uint64_t)vmx_caps.invvpid_type, sv->vpid);
	return 0;
}

static int write_segment(int n, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
	return vmcs_write(VMCS_SEG(VMCS_GUEST_ES_SEL, n), sel) | vmcs_write(VMCS_SEG(VMCS_GUEST_ES_BASE, n), base) |
	       vmcs_write(VMCS_SEG(VMCS_GUEST_ES_LIMIT, n), limit) | vmcs_write(VMCS_SEG(VMCS_GUEST_ES_AR, n), ar);
}

/* The guest state of a reset, as on AMD-V: flat 32-bit protected mode, real mode at reset_cs, or 64-bit mode
 * on the caller's page tables and GDT (CS 0x10, data 0x18); TR and LDTR usable, caches on; NE and VMXE set
 * underneath the guest's view, as VMX requires. */
static int write_reset(struct vmx_vcpu *sv)
{
	const struct vmx_caps *c = &vmx_caps;
	bool real = sv->reset == VMX_RESET_REAL, long64 = sv->reset == VMX_RESET_LONG64;
	int e = 0;
	for (int n = 0; n < X86_SEG_COUNT; n++) {
		bool cs = n == X86_SEG_CS;
		if (real)
			e |= write_segment(n, cs ? sv->reset_cs : 0, cs ? (uint64_t)sv->reset_cs << 4 : 0, 0xffff,
					   cs ? 0x9b : 0x93);
		else if (long64)
			e |= write_segment(n, cs ? 0x10 : 0x18, 0, 0xffffffff, cs ? 0xa09b : 0xc093); /* CS.L */
		else
			e |= write_segment(n, cs ? 0x08 : 0x10, 0, 0xffffffff, cs ? 0xc09b : 0xc093);
	}
	e |= write_segment(6, 0, 0, 0xffff, 0x82); /* LDTR */
	e |= write_segment(7, 0, 0, 0xffff, 0x8b); /* TR: busy 32/64-bit TSS */
	e |= vmcs_write(VMCS_GUEST_GDTR_BASE, long64 ? sv->reset_gdt_base : 0);
	e |= vmcs_write(VMCS_GUEST_GDTR_LIMIT, long64 ? sv->reset_gdt_limit : 0xffff);
	e |= vmcs_write(VMCS_GUEST_IDTR_BASE, 0) | vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	uint64_t cr0 = real ? 0x10 : long64 ? 0x80000011 : 0x11; /* ET; PE; PG */
	uint64_t cr4 = long64 ? 0x20 : 0;                         /* PAE */
	e |= vmcs_write(VMCS_GUEST_CR0, (cr0 | (c->cr0_fixed0 & ~(CR0_PE | CR0_PG))) & c->cr0_fixed1);
	e |= vmcs_write(VMCS_CR0_SHADOW, cr0);
	e |= vmcs_write(VMCS_GUEST_CR4, cr4 | c->cr4_fixed0);
	e |= vmcs_write(VMCS_CR4_SHADOW, cr4);
	e |= vmcs_write(VMCS_GUEST_CR3, long64 ? sv->reset_cr3 : 0);
	e |= vmcs_write(VMCS_GUEST_DR7, 0x400);
	e |= vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	e |= vmcs_write(VMCS_GUEST_EFER, long64 ? (1u << 8) | (1u << 10) : 0); /* LME, LMA */
	e |= vmcs_write(VMCS_GUEST_PAT, PAT_DEFAULT);
	e |= vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	e |= vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	e |= vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	e |= vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	e |= vmcs_write(VMCS_GUEST_ACTIVITY, 0);
	e |= vmcs_write(VMCS_GUEST_PENDING_DEBUG, 0);
	e |= vmcs_write(VMCS_ENTRY_CONTROLS, c->entry | (long64 ? ENTRY_IA32E : 0));
	e |= vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	for (int i = 0; i < 4; i++)
		e |= vmcs_write(VMCS_GUEST_PDPTE0 + 2 * (uint32_t)i, 0);
	for (int i = 0; i < VMX_SWITCHED_MSRS; i++)
		sv->guest_msrs[i].value = 0;
	return e;
}

uint64_t vmx_vmcs_enter(struct vcpu *v, int *err)
{
	uint64_t flags = irq_save();
	struct vmx_vcpu *sv = vmx_of(v);
	unsigned cpu = this_cpu()->index;
	*err = 0;
	if (sv->failure[0]) {
		*err = -EIO;
	} else if (sv->cpu < 0) {
		*err = setup(v, sv, cpu);
	} else if (current_vmcs[cpu] != sv->vmcs_pa) {
		if ((unsigned)sv->cpu != cpu) {
			snprintf(sv->failure, sizeof sv->failure, "its VMCS is on CPU %d but its thread ran on CPU %u",
				 sv->cpu, cpu);
			*err = -EIO;
		} else if (vmcs_load(sv->vmcs_pa)) {
			snprintf(sv->failure, sizeof sv->failure, "VMPTRLD of its VMCS failed");
			*err = -EIO;
		} else {
			current_vmcs[cpu] = sv->vmcs_pa;
		}
	}
	if (!*err && sv->reset != VMX_RESET_NONE) {
		if (write_reset(sv)) {
			snprintf(sv->failure, sizeof sv->failure, "a VMWRITE of its reset state failed (error %llu)",
				 (unsigned long long)vmcs_read(VMCS_INSTRUCTION_ERROR));
			*err = -EIO;
		}
		sv->reset = VMX_RESET_NONE;
	}
	return flags;
}

void vmx_vmcs_leave(uint64_t flags) { irq_restore(flags); }

struct clear_job {
	uint64_t vmcs_pa;
	volatile bool done;
	struct wait_queue wq;
};

static void clear_here(uint64_t pa)
{
	uint64_t flags = irq_save();
	unsigned cpu = this_cpu()->index;
	vmcs_clear(pa);
	if (current_vmcs[cpu] == pa)
		current_vmcs[cpu] = 0;
	irq_restore(flags);
}

static void clear_job_finish(void *arg) { ((struct clear_job *)arg)->done = true; }

static void clear_job_run(void *arg)
{
	struct clear_job *j = arg;
	clear_here(j->vmcs_pa);
	/* j lives on the waiter's stack: done and the wake-up happen together under the queue's lock. */
	wait_update_and_wake(&j->wq, clear_job_finish, j);
}

static int clear_job_done(void *arg) { return ((struct clear_job *)arg)->done; }

int vmx_vmcs_release(struct vcpu *v)
{
	struct vmx_vcpu *sv = vmx_of(v);
	if (sv->cpu < 0)
		return 0;
	if ((unsigned)sv->cpu == this_cpu()->index) {
		clear_here(sv->vmcs_pa);
	} else {
		/* VMCLEAR works only on the CPU that caches the VMCS: run it there and wait. */
		struct clear_job j = { .vmcs_pa = sv->vmcs_pa, .wq = WAIT_QUEUE_INIT };
		if (!thread_create("vmx-vmclear", clear_job_run, &j, sv->cpu))
			return -ENOMEM;
		wait_until(&j.wq, clear_job_done, &j);
	}
	sv->cpu = -1;
	return 0;
}

static void reset_common(struct vcpu *v, enum vmx_reset kind)
{
	struct vmx_vcpu *sv = vmx_of(v);
	sv->reset = kind;
	sv->intr_state = 0;
	sv->event = 0;
	sv->nmi_pending = false;
	sv->window_wanted = false;
	sv->cr2 = 0;
	sv->dr6 = 0xffff0ff0;
	memset(v->gpr, 0, sizeof v->gpr);
	v->rflags = 2;
}

void vmx_reset_protected32(struct vcpu *v, uint32_t eip)
{
	reset_common(v, VMX_RESET_PROTECTED32);
	v->rip = eip;
}

void vmx_reset_real(struct vcpu *v, uint16_t cs, uint16_t ip)
{
	reset_common(v, VMX_RESET_REAL);
	vmx_of(v)->reset_cs = cs;
	v->rip = ip;
}

void vmx_reset_long64(struct vcpu *v, uint64_t rip, uint64_t cr3, uint64_t gdt_base, uint16_t gdt_limit)
{
	struct vmx_vcpu *sv = vmx_of(v);
	reset_common(v, VMX_RESET_LONG64);
	sv->reset_cr3 = cr3;
	sv->reset_gdt_base = gdt_base;
	sv->reset_gdt_limit = gdt_limit;
	v->rip = rip;
}

int vmx_vcpu_init(struct vcpu *v)
{
	struct vmx_vcpu *sv = calloc(1, sizeof *sv);
	if (!sv)
		return -ENOMEM;
	if (page_alloc_contig(1, 1, 1ull << 32, &sv->vmcs_pa)) {
		free(sv);
		return -ENOMEM;
	}
	if (page_alloc_contig(1, 1, 1ull << 32, &sv->msr_area_pa)) {
		page_free(sv->vmcs_pa);
		free(sv);
		return -ENOMEM;
	}
	sv->guest_msrs = phys_to_virt(sv->msr_area_pa);
	for (int i = 0; i < VMX_SWITCHED_MSRS; i++)
		sv->guest_msrs[i].index = vmx_switched_msrs[i];
	sv->cpu = -1;
	/* Unique among live vCPUs (VM ids grow by one, 16 vCPUs each); VPID 0 is the host's. */
	sv->vpid = (uint16_t)(1 + (v->vm->id * VM_MAX_VCPUS + v->index) % 0xfffe);
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;
	memcpy(sv->guest_fpu, &fcw, 2);
	memcpy(sv->guest_fpu + 24, &mxcsr, 4);
	v->backend = sv;
	vmx_reset_protected32(v, 0);
	return 0;
}

void vmx_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *sv = vmx_of(v);
	if (!sv)
		return;
	if (vmx_vmcs_release(v))
		/* The CPU may still write the VMCS back: better to lose the page than to reuse it. */
		log_printf("vm %s: vCPU %u: cannot clear its VMCS; keeping its page\n", v->vm->config.name, v->index);
	else
		page_free(sv->vmcs_pa);
	page_free(sv->msr_area_pa);
	free(sv);
	v->backend = NULL;
}
