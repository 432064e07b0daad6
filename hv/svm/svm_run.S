/* svm_run(uint64_t *gpr, uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa): saves the host's VMLOAD state,
 * loads the guest's general registers (all but RAX and RSP, which live in the VMCB), runs the guest with
 * VMRUN until #VMEXIT, stores them back and restores the host state. The caller holds GIF clear. */
#include "hv/guest_gprs.h"
	.text
	.global svm_run
svm_run:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi		/* 16(%rsp): gpr */
	pushq %rdx		/* 8(%rsp): host VMCB */
	pushq %rsi		/* 0(%rsp): guest VMCB */

	movq %rdx, %rax
	vmsave %rax
	movq %rsi, %rax

	GUEST_GPRS_LOAD %rdi
	movq 7*8(%rdi), %rdi

	vmload %rax
	vmrun %rax
	/* The host resumes here after #VMEXIT; named so a report of a fault here can say so. */
	.global svm_vmexit
svm_vmexit:
	vmsave %rax

	movq 16(%rsp), %rax
	GUEST_GPRS_STORE %rax
	movq %rdi, 7*8(%rax)

	movq 8(%rsp), %rax
	vmload %rax
	addq $24, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
