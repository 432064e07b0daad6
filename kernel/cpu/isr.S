/* Entry stubs for all 256 vectors: each pushes a zero error code where the CPU pushes none, then the vector,
 * saves the general registers as a struct trap_frame and calls trap_entry. Everything runs at ring 0. */

	.text
	.balign 16
isr_common:
	pushq %r15
	pushq %r14
	pushq %r13
	pushq %r12
	pushq %r11
	pushq %r10
	pushq %r9
	pushq %r8
	pushq %rbp
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %rbx
	pushq %rax
	cld
	movq %rsp, %rdi
	call trap_entry
	popq %rax
	popq %rbx
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rbp
	popq %r8
	popq %r9
	popq %r10
	popq %r11
	popq %r12
	popq %r13
	popq %r14
	popq %r15
	addq $16, %rsp
	iretq

	.set vector, 0
	.balign 16
isr_stubs:
	.rept 256
	.balign 16
	.if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
	.else
	pushq $0
	.endif
	pushq $vector
	jmp isr_common
	.set vector, vector + 1
	.endr

	.section .rodata
	.balign 8
	.global isr_table
isr_table:
	.set vector, 0
	.rept 256
	.quad isr_stubs + vector * 16
	.set vector, vector + 1
	.endr
