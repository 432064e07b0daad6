/* svm_run(uint64_t *gpr, uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa): saves the host's VMLOAD state,
 * loads the guest's general registers (all but RAX and RSP, which live in the VMCB), runs the guest with
 * VMRUN until #VMEXIT, stores them back and restores the host state. The caller holds GIF clear. */
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

	movq 1*8(%rdi), %rcx
	movq 2*8(%rdi), %rdx
	movq 3*8(%rdi), %rbx
	movq 5*8(%rdi), %rbp
	movq 6*8(%rdi), %rsi
	movq 8*8(%rdi), %r8
	movq 9*8(%rdi), %r9
	movq 10*8(%rdi), %r10
	movq 11*8(%rdi), %r11
	movq 12*8(%rdi), %r12
	movq 13*8(%rdi), %r13
	movq 14*8(%rdi), %r14
	movq 15*8(%rdi), %r15
	movq 7*8(%rdi), %rdi

	vmload %rax
	vmrun %rax
	vmsave %rax

	movq 16(%rsp), %rax
	movq %rcx, 1*8(%rax)
	movq %rdx, 2*8(%rax)
	movq %rbx, 3*8(%rax)
	movq %rbp, 5*8(%rax)
	movq %rsi, 6*8(%rax)
	movq %rdi, 7*8(%rax)
	movq %r8, 8*8(%rax)
	movq %r9, 9*8(%rax)
	movq %r10, 10*8(%rax)
	movq %r11, 11*8(%rax)
	movq %r12, 12*8(%rax)
	movq %r13, 13*8(%rax)
	movq %r14, 14*8(%rax)
	movq %r15, 15*8(%rax)

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
