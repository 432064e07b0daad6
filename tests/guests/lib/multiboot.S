/* Shared entry for Multiboot (version 1) 32-bit test guests: the header, our own GDT, a stack, and a call
 * to guest_main with the boot loader's magic and information pointer. */
	.section .multiboot, "a"
	.balign 4
	.long 0x1badb002
	.long 0
	.long -0x1badb002

	.text
	.code32
	.global _start
_start:
	cli
	cld
	lgdt guest_gdtr
	ljmp $0x08, $1f
1:	movw $0x10, %cx
	movw %cx, %ds
	movw %cx, %es
	movw %cx, %fs
	movw %cx, %gs
	movw %cx, %ss
	movl $stack_top, %esp
	pushl %ebx
	pushl %eax
	call guest_main
2:	cli
	hlt
	jmp 2b

	.bss
	.balign 16
	.space 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
