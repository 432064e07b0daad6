/* Entry of the long-mode test guests: Multiboot (version 1) header, 32-bit start, identity map of the first
 * 4 GiB with 2 MiB pages (guest_pml4 → guest_pdpt → guest_pd, which C may extend), long mode, then
 * guest_main(magic, info) in 64-bit code. */
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
	movl %eax, %ebp
	lgdt guest_gdtr
	ljmp $0x08, $1f
1:	movw $0x10, %cx
	movw %cx, %ds
	movw %cx, %es
	movw %cx, %ss
	movl $stack_top, %esp

	movl $guest_pdpt, %eax
	orl $3, %eax
	movl %eax, guest_pml4
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $12, %eax
	addl $guest_pd, %eax
	orl $3, %eax
	movl %eax, guest_pdpt(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jb 2b
	xorl %ecx, %ecx
3:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax
	movl %eax, guest_pd(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 3b

	movl $guest_pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $0x20, %eax
	movl %eax, %cr4
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax
	movl %eax, %cr0
	ljmp $0x18, $long_entry

	.code64
long_entry:
	movw $0x10, %cx
	movw %cx, %ds
	movw %cx, %es
	movw %cx, %ss
	movw %cx, %fs
	movw %cx, %gs
	movq $stack_top, %rsp
	movl %ebp, %edi
	movl %ebx, %esi
	call guest_main
4:	cli
	hlt
	jmp 4b

	.bss
	.balign 4096
	.global guest_pml4, guest_pdpt, guest_pd
guest_pml4:
	.space 4096
guest_pdpt:
	.space 4096
guest_pd:
	.space 4 * 4096
	.balign 16
	.space 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
