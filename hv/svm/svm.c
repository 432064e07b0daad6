/* The AMD-V backend: enabling SVM on each CPU, nested page tables, one VMCB per vCPU, the VMRUN loop and
 * the translation of SVM exits into the neutral struct vcpu_exit. Exit semantics live in hv/vcpu.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hv/backend.h"
#include "hv/svm/vmcb.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "kernel/arch.h"
#include "kernel/cpu/features.h"
#include "kernel/cpu/percpu.h"
#include "kernel/log.h"
#include "kernel/mm/pagetable.h"
#include "kernel/mm/phys.h"

#define MSR_VM_HSAVE_PA 0xc0010117
#define EFER_SVME (1ull << 12)

#define NPT_PRESENT (1ull << 0)
#define NPT_WRITE (1ull << 1)
#define NPT_USER (1ull << 2) /* nested walks are user accesses: every level needs it */
#define NPT_LARGE (1ull << 7)

static const struct pagetable_format npt_format = {
	.present = NPT_PRESENT,
	.table_flags = NPT_PRESENT | NPT_WRITE | NPT_USER,
	.large = NPT_LARGE,
};

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
	uint64_t dr[4]; /* DR0-3 are not in the VMCB: switched by hand so no guest sees another's */
	bool nmi_pending; /* injected at an entry that re-delivers no other event */
	uint8_t guest_fpu[512] __attribute__((aligned(16)));
};

void svm_run(uint64_t *gpr, uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa);

static uint64_t host_vmcb_pa[MAX_CPUS]; /* where VMSAVE keeps the host's FS, GS, TR ... across VMRUN */
static uint64_t iopm_pa, msrpm_pa;     /* shared by every guest: all ports intercepted, most MSRs too */
static uint32_t asid_count;

static int alloc_pages(uint64_t n, uint64_t *pa) { return page_alloc_contig(n, 1, 0, pa); }

/* The MSRs that VMLOAD/VMSAVE and VMRUN switch with the VMCB pass straight through; every other MSR exits. */
static void msrpm_allow(uint8_t *msrpm, uint32_t msr)
{
	uint32_t base;
	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xc0000000 && msr < 0xc0002000)
		base = 0x800, msr -= 0xc0000000;
	else
		return;
	msrpm[base + msr / 4] &= (uint8_t)~(3u << (2 * (msr % 4)));
}

static int shared_tables_init(void)
{
	if (alloc_pages(3, &iopm_pa) || alloc_pages(2, &msrpm_pa))
		return -ENOMEM;
	memset(phys_to_virt(iopm_pa), 0xff, 3 * 4096);
	uint8_t *msrpm = phys_to_virt(msrpm_pa);
	memset(msrpm, 0xff, 2 * 4096);
	static const uint32_t passthrough[] = { 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000081, 0xc0000082,
						0xc0000083, 0xc0000084, 0x174, 0x175, 0x176 };
	for (size_t i = 0; i < sizeof passthrough / sizeof passthrough[0]; i++)
		msrpm_allow(msrpm, passthrough[i]);
	uint32_t a, b, c, d;
	cpuid(0x8000000a, 0, &a, &b, &c, &d);
	asid_count = b;
	return 0;
}

static int svm_cpu_enable(void)
{
	struct cpu *c = this_cpu();
	if (c->index == 0 && !iopm_pa && shared_tables_init())
		return -ENOMEM;
	uint64_t hsave, host_vmcb;
	if (alloc_pages(1, &hsave) || alloc_pages(1, &host_vmcb))
		return -ENOMEM;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, hsave);
	host_vmcb_pa[c->index] = host_vmcb;
	return 0;
}

static int svm_vm_init(struct vm *vm)
{
	return alloc_pages(1, &vm->npt_root);
}

static void svm_vm_destroy(struct vm *vm)
{
	if (vm->npt_root)
		pagetable_free(&npt_format, vm->npt_root);
	vm->npt_root = 0;
}

static int svm_vm_map(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	const uint64_t rwx = NPT_PRESENT | NPT_WRITE | NPT_USER;
	for (uint64_t off = 0; off < size;) {
		uint64_t *e;
		if (!((gpa + off) & 0x1fffff) && !((hpa + off) & 0x1fffff) && size - off >= 0x200000) {
			if (!(e = pagetable_entry(&npt_format, vm->npt_root, gpa + off, 2, 1)))
				return -ENOMEM;
			*e = (hpa + off) | rwx | NPT_LARGE;
			off += 0x200000;
		} else {
			if (!(e = pagetable_entry(&npt_format, vm->npt_root, gpa + off, 1, 1)))
				return -ENOMEM;
			*e = (hpa + off) | rwx;
			off += 4096;
		}
	}
	return 0;
}

static void set_segment(struct vmcb_segment *s, uint16_t selector, uint64_t base, uint32_t limit, uint16_t attrib)
{
	*s = (struct vmcb_segment){ selector, attrib, limit, base };
}

/* Withdraws a request for an interrupt-window exit (svm_vcpu_request_window). */
static void cancel_window(struct vmcb_control *c)
{
	c->vintr &= ~(SVM_VINTR_V_IRQ | SVM_VINTR_IGN_TPR);
	c->intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
}

/* State common to every reset: descriptor tables, TR and LDTR usable, caches on, EFER with SVME as VMRUN
 * demands (the guest never sees that bit), and no event, shadow or window request left from before. */
static void reset_common(struct vcpu *v, struct vmcb_save *s)
{
	struct svm_vcpu *sv = v->backend;
	struct vmcb_control *c = &sv->vmcb->control;
	c->event_inject = 0;
	c->interrupt_shadow = 0;
	cancel_window(c);
	sv->nmi_pending = false;
	set_segment(&s->gdtr, 0, 0, 0xffff, 0);
	set_segment(&s->idtr, 0, 0, 0xffff, 0);
	set_segment(&s->ldtr, 0, 0, 0xffff, 0x82);
	set_segment(&s->tr, 0, 0, 0xffff, 0x8b);
	s->efer = EFER_SVME;
	s->cr4 = 0;
	s->cr3 = 0;
	s->cr2 = 0;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ull;
	s->cpl = 0;
	memset(v->gpr, 0, sizeof v->gpr);
	v->rflags = 2;
}

static void svm_reset_protected32(struct vcpu *v, uint32_t eip)
{
	struct vmcb_save *s = &((struct svm_vcpu *)v->backend)->vmcb->save;
	reset_common(v, s);
	set_segment(&s->cs, 0x08, 0, 0xffffffff, 0xc9b);
	set_segment(&s->ds, 0x10, 0, 0xffffffff, 0xc93);
	s->es = s->ss = s->fs = s->gs = s->ds;
	s->cr0 = 0x11; /* PE, ET */
	v->rip = eip;
}

static void svm_reset_real(struct vcpu *v, uint16_t cs, uint16_t ip)
{
	struct vmcb_save *s = &((struct svm_vcpu *)v->backend)->vmcb->save;
	reset_common(v, s);
	set_segment(&s->cs, cs, (uint64_t)cs << 4, 0xffff, 0x9b);
	set_segment(&s->ds, 0, 0, 0xffff, 0x93);
	s->es = s->ss = s->fs = s->gs = s->ds;
	s->cr0 = 0x10; /* ET */
	v->rip = ip;
}

static void svm_reset_long64(struct vcpu *v, uint64_t rip, uint64_t cr3, uint64_t gdt_base, uint16_t gdt_limit)
{
	struct vmcb_save *s = &((struct svm_vcpu *)v->backend)->vmcb->save;
	reset_common(v, s);
	set_segment(&s->gdtr, 0, gdt_base, gdt_limit, 0);
	set_segment(&s->cs, 0x10, 0, 0xffffffff, 0xa9b); /* L set, D clear */
	set_segment(&s->ds, 0x18, 0, 0xffffffff, 0xc93);
	s->es = s->ss = s->fs = s->gs = s->ds;
	s->cr0 = 0x80000011; /* PG, ET, PE */
	s->cr3 = cr3;
	s->cr4 = 0x20;       /* PAE */
	s->efer |= (1ull << 8) | (1ull << 10); /* LME, LMA */
	v->rip = rip;
}

static int svm_vcpu_init(struct vcpu *v)
{
	struct svm_vcpu *sv = calloc(1, sizeof *sv);
	if (!sv)
		return -ENOMEM;
	if (alloc_pages(1, &sv->vmcb_pa)) {
		free(sv);
		return -ENOMEM;
	}
	sv->vmcb = phys_to_virt(sv->vmcb_pa);
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;
	memcpy(sv->guest_fpu, &fcw, 2);
	memcpy(sv->guest_fpu + 24, &mxcsr, 4);
	v->backend = sv;

	struct vmcb_control *c = &sv->vmcb->control;
	c->intercept_exceptions = 1u << 18; /* #MC belongs to the host */
	c->intercept_misc1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_SMI | SVM_INTERCEPT_CPUID |
			     SVM_INTERCEPT_INVD | SVM_INTERCEPT_HLT | SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_IOIO |
			     SVM_INTERCEPT_MSR | SVM_INTERCEPT_TASK_SWITCH | SVM_INTERCEPT_SHUTDOWN;
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD |
			     SVM_INTERCEPT_VMSAVE | SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI | SVM_INTERCEPT_SKINIT |
			     SVM_INTERCEPT_MONITOR | SVM_INTERCEPT_MWAIT | SVM_INTERCEPT_MWAIT_COND |
			     SVM_INTERCEPT_XSETBV;
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	/* ASIDs are shared round-robin when vCPUs outnumber them; every entry flushes the guest's TLB
	 * (TLB_CONTROL 1), which keeps sharing correct. */
	c->guest_asid = 1 + (uint32_t)(v->vm->id * 64 + v->index) % (asid_count > 1 ? asid_count - 1 : 1);
	c->tlb_control = 1;
	c->vintr = SVM_VINTR_MASKING;
	c->np_enable = 1;
	c->n_cr3 = v->vm->npt_root;
	svm_reset_protected32(v, 0);
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *sv = v->backend;
	if (!sv)
		return;
	page_free(sv->vmcb_pa);
	free(sv);
	v->backend = NULL;
}

/* RIP after an instruction of len bytes, when the CPU did not save next RIP (emulated CPUs never do). */
static uint64_t next_rip(const struct vmcb *vmcb, unsigned len)
{
	if (cpu_features.nrip_save && vmcb->control.next_rip)
		return vmcb->control.next_rip;
	return vmcb->save.rip + len;
}

static void translate_exit(struct vcpu *v, struct vmcb *vmcb, struct vcpu_exit *e)
{
	struct vmcb_control *c = &vmcb->control;
	memset(e, 0, sizeof *e);
	switch (c->exit_code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		e->kind = VCPU_EXIT_NONE;
		break;
	case SVM_EXIT_VINTR:
		cancel_window(c);
		e->kind = VCPU_EXIT_INTERRUPT_WINDOW;
		break;
	case SVM_EXIT_CPUID:
		e->kind = VCPU_EXIT_CPUID;
		e->next_rip = next_rip(vmcb, 2);
		break;
	case SVM_EXIT_HLT:
		e->kind = VCPU_EXIT_HLT;
		e->next_rip = next_rip(vmcb, 1);
		break;
	case SVM_EXIT_INVD:
		e->kind = VCPU_EXIT_NOP;
		e->next_rip = next_rip(vmcb, 2);
		break;
	case SVM_EXIT_IOIO:
		e->kind = VCPU_EXIT_IO;
		e->io.port = (uint16_t)(c->exit_info1 >> 16);
		e->io.in = c->exit_info1 & 1;
		e->io.string = c->exit_info1 & (1u << 2);
		e->io.rep = c->exit_info1 & (1u << 3);
		e->io.size = (c->exit_info1 & (1u << 4)) ? 1 : (c->exit_info1 & (1u << 5)) ? 2 : 4;
		e->next_rip = c->exit_info2;
		break;
	case SVM_EXIT_MSR:
		e->kind = c->exit_info1 ? VCPU_EXIT_MSR_WRITE : VCPU_EXIT_MSR_READ;
		e->msr.index = (uint32_t)v->gpr[REG_RCX];
		e->msr.value = (v->gpr[REG_RDX] << 32) | (uint32_t)v->gpr[REG_RAX];
		e->next_rip = next_rip(vmcb, 2);
		break;
	case SVM_EXIT_NPF:
		e->kind = VCPU_EXIT_MMIO;
		e->mmio.gpa = c->exit_info2;
		e->mmio.write = c->exit_info1 & (1u << 1);
		e->mmio.fetch = c->exit_info1 & (1u << 4);
		break;
	case SVM_EXIT_SHUTDOWN:
		e->kind = VCPU_EXIT_SHUTDOWN;
		break;
	case SVM_EXIT_VMMCALL:
		e->kind = VCPU_EXIT_HYPERCALL;
		e->next_rip = next_rip(vmcb, 3);
		break;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
	case SVM_EXIT_XSETBV:
		e->kind = VCPU_EXIT_UNDEFINED;
		break;
	case SVM_EXIT_INVALID:
		e->kind = VCPU_EXIT_INVALID;
		break;
	default:
		e->kind = VCPU_EXIT_UNKNOWN;
		break;
	}
	e->raw.code = e->kind == VCPU_EXIT_UNKNOWN || e->kind == VCPU_EXIT_INVALID ? c->exit_code : e->raw.code;
	if (e->kind == VCPU_EXIT_UNKNOWN || e->kind == VCPU_EXIT_INVALID) {
		e->raw.info1 = c->exit_info1;
		e->raw.info2 = c->exit_info2;
	}
}

/* The host uses no breakpoints (DR7 comes back from the host save area on #VMEXIT), so only the guest's
 * address registers need switching. */
static void load_debug_registers(const uint64_t dr[4])
{
	__asm__ volatile("mov %0, %%dr0" : : "r"(dr[0]));
	__asm__ volatile("mov %0, %%dr1" : : "r"(dr[1]));
	__asm__ volatile("mov %0, %%dr2" : : "r"(dr[2]));
	__asm__ volatile("mov %0, %%dr3" : : "r"(dr[3]));
}

static void save_debug_registers(uint64_t dr[4])
{
	__asm__ volatile("mov %%dr0, %0" : "=r"(dr[0]));
	__asm__ volatile("mov %%dr1, %0" : "=r"(dr[1]));
	__asm__ volatile("mov %%dr2, %0" : "=r"(dr[2]));
	__asm__ volatile("mov %%dr3, %0" : "=r"(dr[3]));
}

static void svm_vcpu_run(struct vcpu *v, struct vcpu_exit *e)
{
	struct svm_vcpu *sv = v->backend;
	struct vmcb *vmcb = sv->vmcb;
	uint8_t host_fpu[512] __attribute__((aligned(16)));

	vmcb->save.rax = v->gpr[REG_RAX];
	vmcb->save.rsp = v->gpr[REG_RSP];
	/* Keel completed an instruction (RIP moved): an interrupt shadow (STI; HLT) ended with it. */
	if (vmcb->save.rip != v->rip)
		vmcb->control.interrupt_shadow = 0;
	vmcb->save.rip = v->rip;
	vmcb->save.rflags = v->rflags;
	vmcb->control.next_rip = 0;
	/* An NMI waits behind an event whose delivery an exit cut short: that one must not be lost. */
	if (sv->nmi_pending && !(vmcb->control.event_inject & SVM_EVENT_VALID)) {
		vmcb->control.event_inject = SVM_EVENT_VALID | SVM_EVENT_TYPE_NMI | 2; /* vector 2 */
		sv->nmi_pending = false;
	}

	irq_disable();
	struct cpu *c = this_cpu();
	v->host_cpu = (int)c->index;
	__asm__ volatile("fxsave64 %0" : "=m"(host_fpu));
	__asm__ volatile("fxrstor64 %0" : : "m"(sv->guest_fpu));
	load_debug_registers(sv->dr);
	/* GIF clear holds host interrupts until VMRUN; host IF set lets them end the guest's turn. */
	__asm__ volatile("clgi" ::: "memory");
	irq_enable();
	svm_run(v->gpr, sv->vmcb_pa, host_vmcb_pa[c->index]);
	irq_disable();
	__asm__ volatile("stgi" ::: "memory");
	__asm__ volatile("fxsave64 %0" : "=m"(sv->guest_fpu));
	__asm__ volatile("fxrstor64 %0" : : "m"(host_fpu));
	save_debug_registers(sv->dr);
	v->host_cpu = -1;
	irq_enable();

	v->gpr[REG_RAX] = vmcb->save.rax;
	v->gpr[REG_RSP] = vmcb->save.rsp;
	v->rip = vmcb->save.rip;
	v->rflags = vmcb->save.rflags;
	/* An event whose delivery the exit interrupted is delivered again on the next entry. */
	if (vmcb->control.exit_int_info & SVM_EVENT_VALID)
		vmcb->control.event_inject = vmcb->control.exit_int_info;
	else
		vmcb->control.event_inject = 0;
	translate_exit(v, vmcb, e);
}

static bool svm_vcpu_interruptible(struct vcpu *v)
{
	struct vmcb *vmcb = ((struct svm_vcpu *)v->backend)->vmcb;
	/* The shadow holds only while RIP still points at the instruction it covers. */
	bool shadow = (vmcb->control.interrupt_shadow & 1) && vmcb->save.rip == v->rip;
	return (v->rflags & (1u << 9)) && !shadow && !(vmcb->control.event_inject & SVM_EVENT_VALID);
}

static void svm_vcpu_inject(struct vcpu *v, enum vcpu_event_type type, uint8_t vector, bool has_error,
			    uint32_t error)
{
	struct svm_vcpu *sv = v->backend;
	struct vmcb *vmcb = sv->vmcb;
	if (type == VCPU_EVENT_NMI) {
		sv->nmi_pending = true;
		return;
	}
	uint64_t ev = SVM_EVENT_VALID | vector;
	if (type == VCPU_EVENT_EXCEPTION)
		ev |= SVM_EVENT_TYPE_EXCEPTION;
	if (has_error)
		ev |= SVM_EVENT_ERROR_VALID | ((uint64_t)error << 32);
	vmcb->control.event_inject = ev;
}

static void svm_vcpu_request_window(struct vcpu *v)
{
	struct vmcb_control *c = &((struct svm_vcpu *)v->backend)->vmcb->control;
	c->vintr |= SVM_VINTR_V_IRQ | SVM_VINTR_IGN_TPR;
	c->intercept_misc1 |= SVM_INTERCEPT_VINTR;
}

static void copy_segment(struct x86_segment *d, const struct vmcb_segment *s)
{
	*d = (struct x86_segment){ .base = s->base, .limit = s->limit, .selector = s->selector, .attr = s->attrib };
}

static void svm_vcpu_get_state(struct vcpu *v, struct x86_cpu_state *st)
{
	const struct vmcb_save *s = &((struct svm_vcpu *)v->backend)->vmcb->save;
	memcpy(st->gpr, v->gpr, sizeof st->gpr);
	st->rip = v->rip;
	st->rflags = v->rflags;
	st->cr0 = s->cr0;
	st->cr2 = s->cr2;
	st->cr3 = s->cr3;
	st->cr4 = s->cr4;
	st->efer = s->efer;
	st->cpl = s->cpl;
	const struct vmcb_segment *segs[X86_SEG_COUNT] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs };
	for (int i = 0; i < X86_SEG_COUNT; i++)
		copy_segment(&st->seg[i], segs[i]);
}

static void svm_vcpu_set_cr2(struct vcpu *v, uint64_t cr2) { ((struct svm_vcpu *)v->backend)->vmcb->save.cr2 = cr2; }

#define MSR_PAT 0x277
#define EFER_GUEST_BITS ((1ull << 0) | (1ull << 8) | (1ull << 10) | (1ull << 11)) /* SCE, LME, LMA, NXE */

static int svm_vcpu_msr(struct vcpu *v, bool write, uint32_t index, uint64_t *value)
{
	struct vmcb_save *s = &((struct svm_vcpu *)v->backend)->vmcb->save;
	switch (index) {
	case MSR_EFER:
		if (!write) {
			*value = s->efer & EFER_GUEST_BITS;
			return 0;
		}
		if (*value & ~EFER_GUEST_BITS)
			return -EINVAL;
		/* LMA is the CPU's to set; SVME stays on for VMRUN's sake and stays hidden. */
		s->efer = (*value & ~(1ull << 10)) | (s->efer & (1ull << 10)) | EFER_SVME;
		return 0;
	case MSR_PAT:
		if (!write) {
			*value = s->g_pat;
			return 0;
		}
		for (int i = 0; i < 8; i++) {
			uint8_t type = (uint8_t)(*value >> (8 * i));
			if (type > 7 || type == 2 || type == 3)
				return -EINVAL;
		}
		s->g_pat = *value;
		return 0;
	default:
		return -ENOENT;
	}
}

const struct hv_backend svm_backend = {
	.name = "svm",
	.hypercall_insn = { 0x0f, 0x01, 0xd9 },
	.cpu_enable = svm_cpu_enable,
	.vm_init = svm_vm_init,
	.vm_destroy = svm_vm_destroy,
	.vm_map = svm_vm_map,
	.vcpu_init = svm_vcpu_init,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_run = svm_vcpu_run,
	.vcpu_interruptible = svm_vcpu_interruptible,
	.vcpu_inject = svm_vcpu_inject,
	.vcpu_request_window = svm_vcpu_request_window,
	.vcpu_msr = svm_vcpu_msr,
	.vcpu_get_state = svm_vcpu_get_state,
	.vcpu_set_cr2 = svm_vcpu_set_cr2,
	.vcpu_reset_protected32 = svm_reset_protected32,
	.vcpu_reset_real = svm_reset_real,
	.vcpu_reset_long64 = svm_reset_long64,
};
