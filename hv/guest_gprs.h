/* Assembly macros for the VM entry paths (hv/svm/svm_run.S, hv/vmx/vmx_run.S): moving the guest's general
 * registers between the CPU and struct vcpu's gpr[] array (hardware order). They cover the registers both
 * backends handle alike; RAX, RSP and the register holding the array are each backend's own. */
#ifndef HV_GUEST_GPRS_H
#define HV_GUEST_GPRS_H

.macro GUEST_GPRS_LOAD base
	movq 1*8(\base), %rcx
	movq 2*8(\base), %rdx
	movq 3*8(\base), %rbx
	movq 5*8(\base), %rbp
	movq 6*8(\base), %rsi
	movq 8*8(\base), %r8
	movq 9*8(\base), %r9
	movq 10*8(\base), %r10
	movq 11*8(\base), %r11
	movq 12*8(\base), %r12
	movq 13*8(\base), %r13
	movq 14*8(\base), %r14
	movq 15*8(\base), %r15
.endm

.macro GUEST_GPRS_STORE base
	movq %rcx, 1*8(\base)
	movq %rdx, 2*8(\base)
	movq %rbx, 3*8(\base)
	movq %rbp, 5*8(\base)
	movq %rsi, 6*8(\base)
	movq %r8, 8*8(\base)
	movq %r9, 9*8(\base)
	movq %r10, 10*8(\base)
	movq %r11, 11*8(\base)
	movq %r12, 12*8(\base)
	movq %r13, 13*8(\base)
	movq %r14, 14*8(\base)
	movq %r15, 15*8(\base)
.endm

#endif
