/* The one interface between the generic hypervisor (hv/vm.c, hv/vcpu.c) and a vendor backend (hv/svm,
 * hv/vmx). Backends translate; hv/vcpu.c owns what every exit means. One backend is chosen at boot. */
#ifndef HV_BACKEND_H
#define HV_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include "hv/decode/x86_regs.h"

struct vm;
struct vcpu;

enum vcpu_exit_kind {
	VCPU_EXIT_NONE,             /* nothing for the guest's sake: a host interrupt, preemption */
	VCPU_EXIT_IO,               /* IN/OUT/INS/OUTS */
	VCPU_EXIT_MMIO,             /* access to a guest-physical address that no RAM backs */
	VCPU_EXIT_CPUID,
	VCPU_EXIT_MSR_READ,
	VCPU_EXIT_MSR_WRITE,
	VCPU_EXIT_HLT,
	VCPU_EXIT_INTERRUPT_WINDOW, /* the guest can take an interrupt now */
	VCPU_EXIT_SHUTDOWN,         /* triple fault */
	VCPU_EXIT_HYPERCALL,        /* VMMCALL / VMCALL */
	VCPU_EXIT_UNDEFINED,        /* an instruction Keel answers with #UD (virtualization instructions) */
	VCPU_EXIT_NOP,              /* an instruction Keel completes by skipping it (INVD, WBINVD) */
	VCPU_EXIT_INVALID,          /* the guest state was refused or the backend cannot run this vCPU */
	VCPU_EXIT_UNKNOWN,          /* anything else: the VM is stopped with the raw code */
};

struct vcpu_exit {
	enum vcpu_exit_kind kind;
	/* RIP after the exiting instruction when the backend knows it (NRIP, I/O exits), else 0. */
	uint64_t next_rip;
	/* VCPU_EXIT_INVALID: what the backend found wrong, naming the field or check when it can (NULL: only
	 * raw.code is known). The backend owns the text; it stays valid until the vCPU runs again. */
	const char *detail;
	union {
		struct {
			uint16_t port;
			uint8_t size; /* 1, 2 or 4 */
			bool in, string, rep;
		} io;
		struct {
			uint64_t gpa;
			bool write, fetch;
		} mmio;
		struct {
			uint32_t index;
			uint64_t value; /* for writes: EDX:EAX */
		} msr;
		struct {
			uint64_t code, info1, info2;
		} raw;
	};
};

enum vcpu_event_type { VCPU_EVENT_INTERRUPT, VCPU_EVENT_NMI, VCPU_EVENT_EXCEPTION };

struct hv_backend {
	const char *name;
	/* The guest's hypercall instruction (VMMCALL or VMCALL), for the Hyper-V hypercall page. */
	uint8_t hypercall_insn[3];
	/* Turns virtualization on for the calling host CPU; called on every CPU before any VM runs. */
	int (*cpu_enable)(void);
	/* Guest-physical address space: nested page tables for one VM. */
	int (*vm_init)(struct vm *vm);
	void (*vm_destroy)(struct vm *vm);
	/* Maps size bytes of host-physical memory at gpa (both 4 KiB aligned) as guest RAM. */
	int (*vm_map)(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size);
	int (*vcpu_init)(struct vcpu *v);
	void (*vcpu_destroy)(struct vcpu *v);
	/* Loads v->regs into the guest, runs it until an exit, stores the guest registers back into v->regs
	 * and describes the exit. Called on the vCPU's own thread with interrupts enabled. */
	void (*vcpu_run)(struct vcpu *v, struct vcpu_exit *exit);
	/* True when the guest can take an external interrupt now (IF set, no interrupt shadow). */
	bool (*vcpu_interruptible)(struct vcpu *v);
	/* Queues an event for the next entry. The caller checks vcpu_interruptible for interrupts first. */
	void (*vcpu_inject)(struct vcpu *v, enum vcpu_event_type type, uint8_t vector, bool has_error, uint32_t error);
	/* Asks for a VCPU_EXIT_INTERRUPT_WINDOW exit as soon as the guest can take an interrupt. */
	void (*vcpu_request_window)(struct vcpu *v);
	/* The guest's full CPU state for instruction emulation (v->regs, RIP, RFLAGS included). */
	void (*vcpu_get_state)(struct vcpu *v, struct x86_cpu_state *s);
	/* Sets CR2 for a page fault about to be injected. */
	void (*vcpu_set_cr2)(struct vcpu *v, uint64_t cr2);
	/* MSRs whose guest value the backend keeps (EFER, PAT): 0 when handled, -ENOENT when not the backend's,
	 * -EINVAL when a write would set reserved bits (the caller injects #GP). */
	int (*vcpu_msr)(struct vcpu *v, bool write, uint32_t index, uint64_t *value);
	/* Sets the guest's entry state: 32-bit flat protected mode (Multiboot) or real mode at cs:ip. */
	void (*vcpu_reset_protected32)(struct vcpu *v, uint32_t eip);
	void (*vcpu_reset_real)(struct vcpu *v, uint16_t cs, uint16_t ip);
	/* 64-bit long mode at rip with paging on cr3 (identity-mapped by the caller), CS 0x10 and data 0x18 from
	 * the guest's GDT at gdt_base (the Linux boot protocol's 64-bit entry). Interrupts off. */
	void (*vcpu_reset_long64)(struct vcpu *v, uint64_t rip, uint64_t cr3, uint64_t gdt_base, uint16_t gdt_limit);
};

/* The backend for this machine's CPU, or NULL when it has no usable virtualization. Valid after hv_init. */
extern const struct hv_backend *hv;

/* Picks the backend from cpu_features and enables it on every CPU. Returns 0, or a negative errno (the
 * reason is logged; VM commands then refuse). */
int hv_init(void);

extern const struct hv_backend svm_backend;
extern const struct hv_backend vmx_backend;

#endif
