/* 64-bit interrupt entry: one stub per vector (pushing a zero error code where the CPU pushes none), all
 * saving the registers into a struct guest_frame and calling guest_trap. */
	.text
	.code64
	.macro stub v
	.balign 16
trap_stub_\v:
	.if (\v == 8 || (\v >= 10 && \v <= 14) || \v == 17 || \v == 21 || \v == 29 || \v == 30)
	.else
	pushq $0
	.endif
	pushq $\v
	jmp trap_common
	.endm

	.altmacro
	.set v, 0
	.rept 256
	stub %v
	.set v, v + 1
	.endr

trap_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rbx
	pushq %rbp
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	movq %rsp, %rbx
	andq $-16, %rsp
	cld
	call guest_trap
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rbp
	popq %rbx
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp
	iretq

	.macro stubaddr v
	.quad trap_stub_\v
	.endm
	.section .rodata
	.balign 8
	.global guest_trap_stubs
guest_trap_stubs:
	.set v, 0
	.rept 256
	stubaddr %v
	.set v, v + 1
	.endr

	.section .note.GNU-stack, "", @progbits
