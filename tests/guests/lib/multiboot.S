/* Shared entry for Multiboot (version 1) test guests: the header, a stack, and a call to guest_main with
 * the boot loader's magic and information pointer. */
	.section .multiboot, "a"
	.balign 4
	.long 0x1badb002
	.long 0
	.long -0x1badb002

	.text
	.code32
	.global _start
_start:
	movl $stack_top, %esp
	pushl %ebx
	pushl %eax
	call guest_main
1:	cli
	hlt
	jmp 1b

	.bss
	.balign 16
	.space 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
