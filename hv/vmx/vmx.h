/* The Intel VT-x backend's internal interface, shared by its files: the controls chosen at boot, the per-vCPU
 * state, and the few functions one file calls in another. The generic hypervisor sees only vmx_backend. */
#ifndef HV_VMX_VMX_H
#define HV_VMX_VMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hv/backend.h"
#include "hv/vcpu.h"

struct vm;
struct vcpu;


/* What this CPU's VMX offers and what Keel runs with, read from the capability MSRs on the boot CPU. */
struct vmx_caps {
	uint64_t basic, misc, ept_vpid;
	uint64_t ctl_msr[5];         /* allowed settings of pin, proc, proc2, exit, entry: 0-settings low, 1 high */
	uint32_t pin, proc, proc2, exit, entry; /* the controls every VMCS starts with */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t cr0_mask, cr4_mask; /* guest/host masks: the bits a guest write must not change unseen */
	uint64_t eptp_flags;         /* memory type and walk length of every EPT pointer */
	uint64_t ept_leaf_flags;     /* memory type of every mapping */
	bool ept_2m;
	int invept_type, invvpid_type; /* 1 single context, 2 all contexts, 0 unavailable */
	uint32_t preemption_timer;   /* VMX-preemption timer start value (one scheduler tick), if on */
	uint64_t io_bitmaps_pa, msr_bitmap_pa;
};
extern struct vmx_caps vmx_caps;

/* Indexes of the two control MSR pairs in ctl_msr. */
enum { VMX_CTL_PIN, VMX_CTL_PROC, VMX_CTL_PROC2, VMX_CTL_EXIT, VMX_CTL_ENTRY };

/* MSRs the guest uses directly and the VMCS switches through its MSR areas (the rest through guest fields). */
struct vmx_msr_entry {
	uint32_t index, reserved;
	uint64_t value;
};
#define VMX_SWITCHED_MSRS 5
extern const uint32_t vmx_switched_msrs[VMX_SWITCHED_MSRS];

enum vmx_reset { VMX_RESET_NONE, VMX_RESET_PROTECTED32, VMX_RESET_REAL, VMX_RESET_LONG64 };

struct vmx_vcpu {
	uint64_t vmcs_pa;
	uint64_t msr_area_pa;            /* guest values of vmx_switched_msrs: loaded on entry, stored on exit */
	struct vmx_msr_entry *guest_msrs;
	int cpu;                         /* host CPU holding the VMCS (threads never move), -1 before setup */
	bool launched;
	uint16_t vpid;
	enum vmx_reset reset;            /* guest state to write into the VMCS before the next entry */
	uint16_t reset_cs, reset_gdt_limit;   /* real mode: CS; long mode: the GDT's limit, base and CR3 */
	uint64_t reset_gdt_base, reset_cr3;
	uint32_t proc;                   /* primary controls as last written */
	uint32_t intr_state;             /* guest interruptibility as of the last exit */
	uint64_t exit_rip;               /* RIP at the last exit: if v->rip moved since, the STI shadow is over */
	uint32_t event;                  /* VM-entry interruption information for the next entry, 0 if none */
	uint32_t event_error, event_len;
	bool event_from_keel;            /* the error-code bit is derived from the guest's mode at entry */
	bool nmi_pending, window_wanted;
	uint64_t cr2, dr6;
	char failure[96];                /* why the VMCS could not be set up, for the off reason */
	char entry_failure[160];         /* why the last entry failed: the detail of its VCPU_EXIT_INVALID */
	uint8_t guest_fpu[512] __attribute__((aligned(16)));
};

static inline struct vmx_vcpu *vmx_of(struct vcpu *v) { return v->backend; }

/* vmx.c: the EPT pointer of a VM; the physical address of a CPU's host values of vmx_switched_msrs. */
uint64_t vmx_eptp(const struct vm *vm);
uint64_t vmx_host_msrs_pa(unsigned cpu);

/* vmcs.c and vmx_exit.c: the backend operations (contracts in hv/backend.h). */
int vmx_vcpu_init(struct vcpu *v);
void vmx_vcpu_destroy(struct vcpu *v);
void vmx_reset_protected32(struct vcpu *v, uint32_t eip);
void vmx_reset_real(struct vcpu *v, uint16_t cs, uint16_t ip);
void vmx_reset_long64(struct vcpu *v, uint64_t rip, uint64_t cr3, uint64_t gdt_base, uint16_t gdt_limit);
void vmx_vcpu_run(struct vcpu *v, struct vcpu_exit *e);
bool vmx_vcpu_interruptible(struct vcpu *v);
void vmx_vcpu_inject(struct vcpu *v, enum vcpu_event_type type, uint8_t vector, bool has_error, uint32_t error);
void vmx_vcpu_request_window(struct vcpu *v);
void vmx_vcpu_get_state(struct vcpu *v, struct x86_cpu_state *s);
void vmx_vcpu_set_cr2(struct vcpu *v, uint64_t cr2);
int vmx_vcpu_msr(struct vcpu *v, bool write, uint32_t index, uint64_t *value);

/* vmcs.c: makes v's VMCS current on this CPU (setting it up on first use and writing a pending reset) with
 * interrupts off, so nothing else can load another VMCS before vmx_vmcs_leave. Returns the flags for
 * vmx_vmcs_leave; on failure sv->failure says why and the VMCS must not be used. */
uint64_t vmx_vmcs_enter(struct vcpu *v, int *err);
void vmx_vmcs_leave(uint64_t flags);
/* Clears v's VMCS on the CPU that holds it (from any thread) so its memory can be freed. */
int vmx_vmcs_release(struct vcpu *v);

/* vmx_diag.c: the meaning of a VM-instruction error number, and which entry check the current VMCS fails
 * (a short phrase naming the field; "no check found" when Keel's list of checks misses it). */
const char *vmx_instruction_error_name(uint32_t error);
void vmx_diagnose(const struct vcpu *v, uint32_t error_or_reason, char *buf, size_t len);

/* vmx_run.S: loads the guest registers from gpr (RSP excepted: the VMCS holds it), enters the guest with
 * VMLAUNCH (launched 0) or VMRESUME and stores them back after the exit. Returns 0 after a VM exit, 1 for
 * VMfailInvalid, 2 for VMfailValid (the VM-instruction error field says why). */
int vmx_run(uint64_t *gpr, int launched);
void vmx_exit_entry(void);

#endif
