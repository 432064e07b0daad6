/* int vmx_run(uint64_t *gpr, int launched): records the host stack in the current VMCS, loads the guest's
 * general registers (all but RSP, which the VMCS holds) and enters the guest with VMLAUNCH or VMRESUME. A VM
 * exit lands at vmx_exit_entry (the VMCS's host RIP) with the stack as it was at entry: the guest registers
 * are stored back and 0 returned. A failed VMLAUNCH/VMRESUME falls through and returns 1 (VMfailInvalid,
 * CF set) or 2 (VMfailValid, ZF set). The caller keeps interrupts off. */
#include "hv/guest_gprs.h"
	.text
	.global vmx_run
	.global vmx_exit_entry
vmx_run:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi		/* 0(%rsp): gpr, found again after the exit */

	movq $0x6c14, %rax	/* VMCS_HOST_RSP */
	vmwrite %rsp, %rax
	testl %esi, %esi	/* launched? (the moves below keep the flags) */

	movq 0*8(%rdi), %rax
	GUEST_GPRS_LOAD %rdi
	movq 7*8(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	movl $1, %eax
	jc 3f
	movl $2, %eax
3:	addq $8, %rsp
	jmp 4f

vmx_exit_entry:
	pushq %rdi		/* guest RDI; 8(%rsp): gpr */
	movq 8(%rsp), %rdi
	movq %rax, 0*8(%rdi)
	GUEST_GPRS_STORE %rdi
	popq %rax
	movq %rax, 7*8(%rdi)
	addq $8, %rsp
	xorl %eax, %eax

4:	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
