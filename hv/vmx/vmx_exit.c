/* Running a VT-x guest: what goes into the VMCS before each entry (registers, events, window requests), the
 * switch of the state VMX leaves alone (FPU, CR2, DR6), and the translation of each exit into the neutral
 * struct vcpu_exit. The guest's control-register writes that VMX pins (NE, VMXE) are completed here. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "hv/vm.h"
#include "hv/vmx/vmcs.h"
#include "hv/vmx/vmx.h"
#include "kernel/arch.h"
#include "kernel/cpu/percpu.h"

#define RFLAGS_IF (1ull << 9)
#define CR0_PE (1ull << 0)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_SMEP (1ull << 20)
#define CR4_VMXE (1ull << 13)
#define CR4_SMXE (1ull << 14)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_GUEST_BITS ((1ull << 0) | EFER_LME | EFER_LMA | (1ull << 11)) /* SCE, LME, LMA, NXE */
#define MSR_PAT 0x277
#define VECTOR_NMI 2
#define VECTOR_GP 13

/* Exceptions that push an error code in protected mode. */
static bool has_error_code(unsigned vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
}

static void flush_guest_tlb(const struct vmx_vcpu *sv)
{
	if ((vmx_caps.proc2 & PROC2_VPID) && vmx_caps.invvpid_type)
		vmx_invvpid((uint64_t)vmx_caps.invvpid_type, sv->vpid);
}

/* The guest's view of CR0 or CR4: its own bits, and for the bits Keel owns, what it last wrote. */
static uint64_t guest_cr(uint32_t field, uint32_t shadow, uint64_t mask)
{
	return (vmcs_read(field) & ~mask) | (vmcs_read(shadow) & mask);
}

/* With EPT, PAE paging outside long mode takes its four PDPTEs from the VMCS: a CR write that Keel completes
 * must load them as the CPU would. False (#GP) when they cannot be read or set reserved bits. */
static bool load_pdptes(struct vcpu *v, uint64_t cr3)
{
	uint64_t pdpte[4];
	if (guest_memory_read(&v->vm->memory, cr3 & 0xffffffe0ull, pdpte, sizeof pdpte))
		return false;
	for (int i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & 0x1e6))
			return false;
	for (int i = 0; i < 4; i++)
		vmcs_write(VMCS_GUEST_PDPTE0 + 2 * (uint32_t)i, pdpte[i]);
	return true;
}

static bool pae_legacy(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LMA);
}

/* MOV to CR0 that changed a bit Keel owns (NE): the whole write, with long-mode entry and exit. */
static bool emulate_cr0_write(struct vcpu *v, struct vmx_vcpu *sv, uint64_t val)
{
	const struct vmx_caps *c = &vmx_caps;
	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) || ((val & CR0_NW) && !(val & CR0_CD)))
		return false;
	uint64_t old = guest_cr(VMCS_GUEST_CR0, VMCS_CR0_SHADOW, c->cr0_mask);
	uint64_t cr4 = vmcs_read(VMCS_GUEST_CR4), efer = vmcs_read(VMCS_GUEST_EFER);
	uint64_t entry = vmcs_read(VMCS_ENTRY_CONTROLS);
	if (!(old & CR0_PG) && (val & CR0_PG) && (efer & EFER_LME)) {
		if (!(cr4 & CR4_PAE))
			return false;
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E;
	} else if ((old & CR0_PG) && !(val & CR0_PG) && (efer & EFER_LMA)) {
		efer &= ~EFER_LMA;
		entry &= ~ENTRY_IA32E;
	}
	bool paging_changed = (old ^ val) & (CR0_PG | CR0_PE | CR0_CD | CR0_NW);
	if (paging_changed && pae_legacy(val, cr4, efer) && !load_pdptes(v, vmcs_read(VMCS_GUEST_CR3)))
		return false;
	vmcs_write(VMCS_GUEST_CR0, (val | (c->cr0_fixed0 & ~(CR0_PE | CR0_PG))) & c->cr0_fixed1);
	vmcs_write(VMCS_CR0_SHADOW, val);
	vmcs_write(VMCS_GUEST_EFER, efer);
	vmcs_write(VMCS_ENTRY_CONTROLS, entry);
	if (paging_changed)
		flush_guest_tlb(sv);
	return true;
}

/* MOV to CR4 that changed a bit Keel owns: VMXE and SMXE (hidden from the guest) and what the CPU lacks. */
static bool emulate_cr4_write(struct vcpu *v, struct vmx_vcpu *sv, uint64_t val)
{
	const struct vmx_caps *c = &vmx_caps;
	if (val & ~(c->cr4_fixed1 & ~(CR4_VMXE | CR4_SMXE)))
		return false;
	uint64_t efer = vmcs_read(VMCS_GUEST_EFER);
	if ((efer & EFER_LMA) && !(val & CR4_PAE))
		return false;
	uint64_t old = guest_cr(VMCS_GUEST_CR4, VMCS_CR4_SHADOW, c->cr4_mask);
	uint64_t cr0 = vmcs_read(VMCS_GUEST_CR0);
	bool paging_changed = (old ^ val) & (CR4_PAE | CR4_PSE | CR4_PGE | CR4_SMEP);
	if (paging_changed && pae_legacy(cr0, val, efer) && !load_pdptes(v, vmcs_read(VMCS_GUEST_CR3)))
		return false;
	vmcs_write(VMCS_GUEST_CR4, val | c->cr4_fixed0);
	vmcs_write(VMCS_CR4_SHADOW, val);
	if (paging_changed)
		flush_guest_tlb(sv);
	return true;
}

static void queue_gp(struct vmx_vcpu *sv)
{
	sv->event = EVENT_VALID | EVENT_TYPE_HW_EXCEPTION | VECTOR_GP;
	sv->event_error = 0;
	sv->event_from_keel = true;
}

static void handle_cr_access(struct vcpu *v, struct vmx_vcpu *sv, struct vcpu_exit *e)
{
	uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	unsigned cr = q & 15, access = (q >> 4) & 3, reg = (q >> 8) & 15;
	if (access != 0 || (cr != 0 && cr != 4)) {
		e->kind = VCPU_EXIT_UNKNOWN;
		e->raw.code = EXIT_CR_ACCESS;
		e->raw.info1 = q;
		return;
	}
	uint64_t val = v->gpr[reg];
	bool code64 = (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) &&
		      (vmcs_read(VMCS_SEG(VMCS_GUEST_ES_AR, X86_SEG_CS)) & (1u << 13));
	if (!code64)
		val = (uint32_t)val;
	if (cr == 0 ? emulate_cr0_write(v, sv, val) : emulate_cr4_write(v, sv, val))
		v->rip += vmcs_read(VMCS_EXIT_INSTRUCTION_LEN);
	else
		queue_gp(sv);
	e->kind = VCPU_EXIT_NONE;
}

/* Entry failed: a VCPU_EXIT_INVALID whose detail gives the VM-instruction error or the failed-entry exit, and
 * which check the VMCS breaks; hv/vcpu.c stops the VM with it. */
static void entry_failed(struct vcpu *v, struct vmx_vcpu *sv, int rc, uint32_t reason, struct vcpu_exit *e)
{
	char *msg = sv->entry_failure;
	size_t len = sizeof sv->entry_failure;
	e->kind = VCPU_EXIT_INVALID;
	e->detail = msg;
	if (rc == 1) {
		e->raw.code = 0;
		snprintf(msg, len, "VM entry failed: no current VMCS (VMfailInvalid)");
		return;
	}
	char why[112];
	if (rc == 2) {
		uint32_t error = (uint32_t)vmcs_read(VMCS_INSTRUCTION_ERROR);
		vmx_diagnose(v, error, why, sizeof why);
		e->raw.code = error;
		snprintf(msg, len, "VM entry failed: error %u (%s): %s", error, vmx_instruction_error_name(error), why);
		return;
	}
	uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	e->raw.code = reason;
	e->raw.info1 = q;
	switch (reason & 0xffff) {
	case EXIT_INVALID_GUEST_STATE:
		vmx_diagnose(v, reason, why, sizeof why);
		snprintf(msg, len, "VM entry failed: invalid guest state (exit 33, qualification %llu): %s",
			 (unsigned long long)q, why);
		break;
	case EXIT_MSR_LOADING:
		snprintf(msg, len, "VM entry failed loading MSR entry %llu (exit 34)", (unsigned long long)q);
		break;
	default:
		snprintf(msg, len, "VM entry failed: exit reason %#x (machine check during entry)", reason);
		break;
	}
}

static void translate(struct vcpu *v, struct vmx_vcpu *sv, uint32_t reason, struct vcpu_exit *e)
{
	uint64_t q;
	switch (reason) {
	case EXIT_EXCEPTION_NMI: {
		uint32_t info = (uint32_t)vmcs_read(VMCS_EXIT_INTR_INFO);
		if ((info & EVENT_VALID) && EVENT_TYPE(info) == EVENT_TYPE_NMI >> 8) {
			/* The NMI was the host's: deliver it to the host's handler as the CPU would have. */
			__asm__ volatile("int $2");
			e->kind = VCPU_EXIT_NONE;
		} else {
			e->kind = VCPU_EXIT_UNKNOWN;
			e->raw.info1 = info;
			e->raw.info2 = vmcs_read(VMCS_EXIT_QUALIFICATION);
		}
		break;
	}
	case EXIT_EXTERNAL_INTERRUPT:
	case EXIT_NMI_WINDOW:
	case EXIT_PREEMPTION_TIMER:
		e->kind = VCPU_EXIT_NONE;
		break;
	case EXIT_INTERRUPT_WINDOW:
		sv->window_wanted = false;
		e->kind = VCPU_EXIT_INTERRUPT_WINDOW;
		break;
	case EXIT_TRIPLE_FAULT:
		e->kind = VCPU_EXIT_SHUTDOWN;
		break;
	case EXIT_CPUID:
		e->kind = VCPU_EXIT_CPUID;
		break;
	case EXIT_HLT:
		e->kind = VCPU_EXIT_HLT;
		break;
	case EXIT_INVD:
	case EXIT_WBINVD:
		e->kind = VCPU_EXIT_NOP;
		break;
	case EXIT_VMCALL:
		e->kind = VCPU_EXIT_HYPERCALL;
		break;
	case EXIT_GETSEC:
	case EXIT_VMCLEAR:
	case EXIT_VMLAUNCH:
	case EXIT_VMPTRLD:
	case EXIT_VMPTRST:
	case EXIT_VMREAD:
	case EXIT_VMRESUME:
	case EXIT_VMWRITE:
	case EXIT_VMXOFF:
	case EXIT_VMXON:
	case EXIT_INVEPT:
	case EXIT_INVVPID:
	case EXIT_VMFUNC:
	case EXIT_MONITOR:
	case EXIT_MWAIT:
	case EXIT_XSETBV:
		e->kind = VCPU_EXIT_UNDEFINED;
		break;
	case EXIT_CR_ACCESS:
		handle_cr_access(v, sv, e);
		return;
	case EXIT_IO:
		q = vmcs_read(VMCS_EXIT_QUALIFICATION);
		e->kind = VCPU_EXIT_IO;
		e->io.size = (uint8_t)((q & 7) + 1);
		e->io.in = q & (1u << 3);
		e->io.string = q & (1u << 4);
		e->io.rep = q & (1u << 5);
		e->io.port = (uint16_t)(q >> 16);
		break;
	case EXIT_RDMSR:
	case EXIT_WRMSR:
		e->kind = reason == EXIT_WRMSR ? VCPU_EXIT_MSR_WRITE : VCPU_EXIT_MSR_READ;
		e->msr.index = (uint32_t)v->gpr[REG_RCX];
		e->msr.value = (v->gpr[REG_RDX] << 32) | (uint32_t)v->gpr[REG_RAX];
		break;
	case EXIT_EPT_VIOLATION:
		q = vmcs_read(VMCS_EXIT_QUALIFICATION);
		e->kind = VCPU_EXIT_MMIO;
		e->mmio.gpa = vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS);
		e->mmio.write = q & (1u << 1);
		e->mmio.fetch = q & (1u << 2);
		/* A fault in an IRET that unblocked NMIs: the blocking comes back for the retried IRET. */
		if ((q & EVENT_NMI_UNBLOCKED_BY_IRET) && !(sv->event & EVENT_VALID) && (vmx_caps.pin & PIN_VIRTUAL_NMIS)) {
			sv->intr_state |= INTR_BLOCK_NMI;
			vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, sv->intr_state);
		}
		return;
	default:
		e->kind = VCPU_EXIT_UNKNOWN;
		e->raw.info1 = vmcs_read(VMCS_EXIT_QUALIFICATION);
		break;
	}
	if (e->kind == VCPU_EXIT_UNKNOWN)
		e->raw.code = reason;
	else if (e->kind != VCPU_EXIT_NONE && e->kind != VCPU_EXIT_INTERRUPT_WINDOW && e->kind != VCPU_EXIT_SHUTDOWN)
		e->next_rip = v->rip + vmcs_read(VMCS_EXIT_INSTRUCTION_LEN);
}

/* Registers, the end of an STI shadow that Keel's emulation passed, the next event and the window exits. */
static void prepare_entry(struct vcpu *v, struct vmx_vcpu *sv)
{
	vmcs_write(VMCS_GUEST_RIP, v->rip);
	vmcs_write(VMCS_GUEST_RSP, v->gpr[REG_RSP]);
	vmcs_write(VMCS_GUEST_RFLAGS, v->rflags);
	if ((sv->intr_state & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)) && v->rip != sv->exit_rip) {
		sv->intr_state &= ~(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS);
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, sv->intr_state);
	}
	bool nmi_window = false;
	if (sv->nmi_pending && !(sv->event & EVENT_VALID)) {
		if (!(sv->intr_state & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS | INTR_BLOCK_NMI))) {
			sv->event = EVENT_VALID | EVENT_TYPE_NMI | VECTOR_NMI;
			sv->event_from_keel = false;
			sv->nmi_pending = false;
		} else if (vmx_caps.pin & PIN_VIRTUAL_NMIS) {
			nmi_window = true;
		} else {
			sv->window_wanted = true; /* no NMI-window exits: try again at the next chance */
		}
	}
	if (sv->event & EVENT_VALID) {
		uint32_t ev = sv->event;
		if (sv->event_from_keel && (ev & (7u << 8)) == EVENT_TYPE_HW_EXCEPTION) {
			/* Real mode takes no error code; protected mode must get one for these vectors. */
			if ((vmcs_read(VMCS_GUEST_CR0) & CR0_PE) && has_error_code(ev & 0xff))
				ev |= EVENT_ERROR_VALID;
			else
				ev &= ~EVENT_ERROR_VALID;
		}
		vmcs_write(VMCS_ENTRY_INTR_INFO, ev);
		if (ev & EVENT_ERROR_VALID)
			vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, sv->event_error);
		if (EVENT_TYPE(ev) >= 4)
			vmcs_write(VMCS_ENTRY_INSTRUCTION_LEN, sv->event_len);
	}
	uint32_t proc = (sv->proc & ~(PROC_INTERRUPT_WINDOW | PROC_NMI_WINDOW)) |
			(sv->window_wanted ? PROC_INTERRUPT_WINDOW : 0) | (nmi_window ? PROC_NMI_WINDOW : 0);
	if (proc != sv->proc) {
		vmcs_write(VMCS_PROC_CONTROLS, proc);
		sv->proc = proc;
	}
}

/* After an exit: the registers the VMCS holds, the interruptibility, and an event whose delivery the exit
 * cut short, which goes in again at the next entry. */
static void save_exit_state(struct vcpu *v, struct vmx_vcpu *sv)
{
	v->rip = vmcs_read(VMCS_GUEST_RIP);
	v->gpr[REG_RSP] = vmcs_read(VMCS_GUEST_RSP);
	v->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	sv->exit_rip = v->rip;
	sv->intr_state = (uint32_t)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	uint32_t idt = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO);
	if (idt & EVENT_VALID) {
		sv->event = idt & (EVENT_VALID | EVENT_ERROR_VALID | 0x7ffu);
		sv->event_from_keel = false;
		if (idt & EVENT_ERROR_VALID)
			sv->event_error = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_ERROR);
		if (EVENT_TYPE(idt) >= 4)
			sv->event_len = (uint32_t)vmcs_read(VMCS_EXIT_INSTRUCTION_LEN);
	} else {
		sv->event = 0;
	}
}

void vmx_vcpu_run(struct vcpu *v, struct vcpu_exit *e)
{
	struct vmx_vcpu *sv = vmx_of(v);
	uint8_t host_fpu[512] __attribute__((aligned(16)));
	int err;
	memset(e, 0, sizeof *e);

	/* Interrupts stay off from here to the exit's end: a host interrupt that arrives meanwhile waits in the
	 * local APIC, makes the entry exit at once (external-interrupt exiting) and is taken when they go on. */
	uint64_t flags = vmx_vmcs_enter(v, &err);
	if (err) {
		vmx_vmcs_leave(flags);
		e->kind = VCPU_EXIT_INVALID;
		e->detail = sv->failure;
		return;
	}
	prepare_entry(v, sv);
	v->host_cpu = (int)this_cpu()->index;
	__asm__ volatile("fxsave64 %0" : "=m"(host_fpu));
	__asm__ volatile("fxrstor64 %0" : : "m"(sv->guest_fpu));
	write_cr2(sv->cr2);
	__asm__ volatile("mov %0, %%dr6" : : "r"(sv->dr6));
	int rc = vmx_run(v->gpr, sv->launched);
	__asm__ volatile("mov %%dr6, %0" : "=r"(sv->dr6));
	__asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff0ull));
	sv->cr2 = read_cr2();
	__asm__ volatile("fxsave64 %0" : "=m"(sv->guest_fpu));
	__asm__ volatile("fxrstor64 %0" : : "m"(host_fpu));
	v->host_cpu = -1;

	uint32_t reason = rc ? 0 : (uint32_t)vmcs_read(VMCS_EXIT_REASON);
	if (rc || (reason & EXIT_REASON_ENTRY_FAILED)) {
		entry_failed(v, sv, rc, reason, e);
	} else {
		sv->launched = true;
		save_exit_state(v, sv);
		translate(v, sv, reason & 0xffff, e);
	}
	vmx_vmcs_leave(flags);
}

bool vmx_vcpu_interruptible(struct vcpu *v)
{
	struct vmx_vcpu *sv = vmx_of(v);
	/* The shadow holds only while RIP still points at the instruction it covers. */
	bool shadow = (sv->intr_state & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)) && v->rip == sv->exit_rip;
	return (v->rflags & RFLAGS_IF) && !shadow && !(sv->event & EVENT_VALID);
}

void vmx_vcpu_inject(struct vcpu *v, enum vcpu_event_type type, uint8_t vector, bool has_error, uint32_t error)
{
	struct vmx_vcpu *sv = vmx_of(v);
	if (type == VCPU_EVENT_NMI) {
		sv->nmi_pending = true; /* injected at entry once the guest does not block NMIs */
		return;
	}
	sv->event = EVENT_VALID | vector |
		    (type == VCPU_EVENT_EXCEPTION ? EVENT_TYPE_HW_EXCEPTION : EVENT_TYPE_EXTERNAL) |
		    (has_error ? EVENT_ERROR_VALID : 0);
	sv->event_error = error;
	sv->event_from_keel = type == VCPU_EVENT_EXCEPTION;
}

void vmx_vcpu_request_window(struct vcpu *v) { vmx_of(v)->window_wanted = true; }

void vmx_vcpu_set_cr2(struct vcpu *v, uint64_t cr2) { vmx_of(v)->cr2 = cr2; }

void vmx_vcpu_get_state(struct vcpu *v, struct x86_cpu_state *st)
{
	memset(st, 0, sizeof *st);
	memcpy(st->gpr, v->gpr, sizeof st->gpr);
	st->rip = v->rip;
	st->rflags = v->rflags;
	st->cr2 = vmx_of(v)->cr2;
	int err;
	uint64_t flags = vmx_vmcs_enter(v, &err);
	if (!err) {
		st->cr0 = guest_cr(VMCS_GUEST_CR0, VMCS_CR0_SHADOW, vmx_caps.cr0_mask);
		st->cr3 = vmcs_read(VMCS_GUEST_CR3);
		st->cr4 = guest_cr(VMCS_GUEST_CR4, VMCS_CR4_SHADOW, vmx_caps.cr4_mask);
		st->efer = vmcs_read(VMCS_GUEST_EFER);
		for (int n = 0; n < X86_SEG_COUNT; n++) {
			uint32_t ar = (uint32_t)vmcs_read(VMCS_SEG(VMCS_GUEST_ES_AR, n));
			st->seg[n] = (struct x86_segment){
				.base = vmcs_read(VMCS_SEG(VMCS_GUEST_ES_BASE, n)),
				.limit = (uint32_t)vmcs_read(VMCS_SEG(VMCS_GUEST_ES_LIMIT, n)),
				.selector = (uint16_t)vmcs_read(VMCS_SEG(VMCS_GUEST_ES_SEL, n)),
				.attr = (ar & VMX_AR_UNUSABLE) ? 0 : (uint16_t)((ar & 0xff) | ((ar >> 4) & 0xf00)),
			};
			/* VMX keeps the CPL in SS.DPL, usable or not. */
			if (n == X86_SEG_SS)
				st->cpl = (uint8_t)((ar >> 5) & 3);
		}
	}
	vmx_vmcs_leave(flags);
}

static bool valid_pat(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t type = (uint8_t)(pat >> (8 * i));
		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

int vmx_vcpu_msr(struct vcpu *v, bool write, uint32_t index, uint64_t *value)
{
	if (index != MSR_EFER && index != MSR_PAT)
		return -ENOENT;
	int err, r = 0;
	uint64_t flags = vmx_vmcs_enter(v, &err);
	if (err) {
		r = -EINVAL;
	} else if (index == MSR_PAT) {
		if (!write)
			*value = vmcs_read(VMCS_GUEST_PAT);
		else if (valid_pat(*value))
			vmcs_write(VMCS_GUEST_PAT, *value);
		else
			r = -EINVAL;
	} else {
		uint64_t cur = vmcs_read(VMCS_GUEST_EFER);
		if (!write) {
			*value = cur & EFER_GUEST_BITS;
		} else {
			/* LMA is the CPU's to set; LME cannot change while paging is on. */
			uint64_t next = (*value & ~EFER_LMA) | (cur & EFER_LMA);
			if ((*value & ~EFER_GUEST_BITS) ||
			    ((vmcs_read(VMCS_GUEST_CR0) & CR0_PG) && ((next ^ cur) & EFER_LME)))
				r = -EINVAL;
			else
				vmcs_write(VMCS_GUEST_EFER, next);
		}
	}
	vmx_vmcs_leave(flags);
	return r;
}
