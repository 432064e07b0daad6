/* The AP start-up trampoline of the long64 guest: copied to 0x8000 (SIPI vector 0x08), it goes from real
 * mode through 32-bit protected mode into long mode on the BSP's page tables, takes a stack by its LAPIC ID
 * and calls ap_main. */
#define T(x) ((x) - ap_trampoline + 0x8000)
	.section .rodata
	.balign 16
	.global ap_trampoline, ap_trampoline_end, ap_trampoline_cr3, ap_trampoline_gdtr
	.code16
ap_trampoline:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl T(ap_trampoline_gdtr)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $T(ap_protected)

	.code32
ap_protected:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $0x20, %eax
	movl %eax, %cr4
	movl T(ap_trampoline_cr3), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax
	movl %eax, %cr0
	ljmp $0x18, $T(ap_long)

	.code64
ap_long:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $0xfee00020, %ebx
	movl (%rbx), %eax
	shrl $24, %eax
	andl $15, %eax
	incl %eax
	shll $13, %eax
	movabsq $ap_stacks, %rdx
	addq %rdx, %rax
	movq %rax, %rsp
	movabsq $ap_main, %rax
	call *%rax
1:	cli
	hlt
	jmp 1b

	.balign 8
	.word 0
ap_trampoline_gdtr:		/* a copy of guest_gdtr, written by the BSP */
	.word 0
	.long 0
ap_trampoline_cr3:
	.long 0
ap_trampoline_end:

	.bss
	.balign 16
	.global ap_stacks
ap_stacks:
	.space 16 * 8192

	.section .note.GNU-stack, "", @progbits
