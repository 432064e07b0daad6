/* A virtual CPU: its registers as the generic layer sees them, the thread body that runs it, and exit handling. */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct thread;

/* General registers in the hardware encoding order. */
enum { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI, REG_R8, REG_R9, REG_R10,
       REG_R11, REG_R12, REG_R13, REG_R14, REG_R15 };

struct vcpu {
	struct vm *vm;
	unsigned index;
	volatile int host_cpu;     /* host CPU index while in the guest, else -1 */
	uint64_t gpr[16];
	uint64_t rip, rflags;
	bool halted;
	bool waiting_for_sipi;     /* an application processor before its start-up IPI, or after an INIT */
	uint64_t mtrr[28];         /* variable, fixed and default-type MTRRs, as hv/msr.c numbers them */
	uint64_t hyperv_vp_assist; /* the Hyper-V VP assist page MSR */
	void *backend;             /* the backend's per-vCPU state */
};

/* The vCPU thread body: runs v until its VM stops. */
void vcpu_main(void *arg);
/* Makes v leave the guest soon (an IPI to its host CPU), so it sees a new request. */
void vcpu_kick(struct vcpu *v);

#endif
