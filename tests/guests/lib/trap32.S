/* 32-bit interrupt entry: one stub per vector (pushing a zero error code where the CPU pushes none), all
 * saving the registers into a struct guest_frame and calling guest_trap. */
	.text
	.code32
	.macro stub v
	.balign 16
trap_stub_\v:
	.if (\v == 8 || (\v >= 10 && \v <= 14) || \v == 17 || \v == 21 || \v == 29 || \v == 30)
	.else
	pushl $0
	.endif
	pushl $\v
	jmp trap_common
	.endm

	.altmacro
	.set v, 0
	.rept 256
	stub %v
	.set v, v + 1
	.endr

trap_common:
	pushal
	movl %esp, %eax
	pushl %eax
	cld
	call guest_trap
	addl $4, %esp
	popal
	addl $8, %esp
	iretl

	.macro stubaddr v
	.long trap_stub_\v
	.endm
	.section .rodata
	.balign 4
	.global guest_trap_stubs
guest_trap_stubs:
	.set v, 0
	.rept 256
	stubaddr %v
	.set v, v + 1
	.endr

	.section .note.GNU-stack, "", @progbits
