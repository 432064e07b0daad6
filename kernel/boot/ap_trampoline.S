/* Start-up code for the other CPUs, copied by smp.c to a page below 1 MiB. A SIPI starts it in real mode
 * with CS = page >> 4; it enters long mode directly (PE and PG together) on the kernel's page tables, with
 * the low identity map that smp.c adds for the duration, then jumps to ap_entry with its stack. smp.c fills
 * in the fields marked "patched". */
	.section .ap_trampoline, "a"
	.code16
	.global ap_trampoline_start
ap_trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl (ap_gdtr - ap_trampoline_start)
	movl %cr4, %eax
	orl $(1 << 5), %eax			/* PAE */
	movl %eax, %cr4
	movl (ap_cr3 - ap_trampoline_start), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl (ap_efer - ap_trampoline_start), %eax	/* LME, and NXE when the kernel uses NX */
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax			/* PG, WP, PE */
	movl %eax, %cr0
	ljmpl *(ap_far_jump - ap_trampoline_start)

	.code64
	.global ap_long_mode
ap_long_mode:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq ap_stack(%rip), %rsp
	movq ap_cpu(%rip), %rdi
	xorl %ebp, %ebp
	movq ap_entry_address(%rip), %rax
	jmp *%rax

	.balign 8
	.global ap_gdt
ap_gdt:
	.quad 0
	.quad 0x00af9a000000ffff
	.quad 0x00cf92000000ffff
	.global ap_gdtr
ap_gdtr:
	.short 23
	.long 0			/* patched: linear address of ap_gdt */
	.balign 4
	.global ap_far_jump
ap_far_jump:
	.long 0			/* patched: linear address of ap_long_mode */
	.short 0x08
	.balign 4
	.global ap_cr3
ap_cr3: .long 0			/* patched */
	.global ap_efer
ap_efer: .long 0		/* patched */
	.balign 8
	.global ap_stack
ap_stack: .quad 0		/* patched */
	.global ap_cpu
ap_cpu: .quad 0			/* patched */
	.global ap_entry_address
ap_entry_address: .quad 0	/* patched */
	.global ap_trampoline_end
ap_trampoline_end:
