/* The Multiboot2 header and the 32-bit entry: checks for long mode, builds the boot page tables
 * (identity, direct map and kernel window over the first 4 GiB) and jumps to kmain in the high half. */
#include "kernel/layout.h"

#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* module alignment: modules start on page boundaries */
	.balign 8
	.short 6, 0
	.long 8
	/* end tag */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.global boot_entry32
boot_entry32:
	cli
	cld
	movl $boot_stack32_top, %esp
	movl %eax, boot_mb2_magic
	movl %ebx, boot_mb2_info

	/* long mode: CPUID 0x80000001 EDX bit 29 */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx
	jz no_long_mode

	/* PD: 4 pages of 2 MiB entries mapping 0-4 GiB */
	movl $boot_pd, %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax			/* present, writable, 2 MiB */
	movl %eax, (%edi,%ecx,8)
	movl %ecx, %eax
	shrl $11, %eax			/* high half of the physical address (ecx >> 11 = GiB / 4) */
	movl %eax, 4(%edi,%ecx,8)
	incl %ecx
	cmpl $2048, %ecx
	jb 1b

	/* PDPT low: 4 entries -> the 4 PD pages; used for identity (PML4[0]) and the direct map (PML4[256]) */
	movl $boot_pdpt_low, %edi
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $12, %eax
	addl $boot_pd + 0x3, %eax
	movl %eax, (%edi,%ecx,8)
	incl %ecx
	cmpl $4, %ecx
	jb 2b

	/* PDPT high: entries 510 and 511 -> first 2 GiB (kernel window at -2 GiB) */
	movl $boot_pdpt_high, %edi
	movl $boot_pd + 0x3, 510*8(%edi)
	movl $boot_pd + 0x1000 + 0x3, 511*8(%edi)

	movl $boot_pml4, %edi
	movl $boot_pdpt_low + 0x3, (%edi)
	movl $boot_pdpt_low + 0x3, 256*8(%edi)
	movl $boot_pdpt_high + 0x3, 511*8(%edi)

	movl %cr4, %eax
	orl $(1 << 5), %eax		/* PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl $(1 << 8), %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax		/* PG, WP, PE */
	movl %eax, %cr0
	lgdt boot_gdtr
	ljmp $0x08, $boot_entry64

no_long_mode:
	movl $msg_no_long_mode, %esi
3:	lodsb
	testb %al, %al
	jz 5f
	movb %al, %bl
	movw $0x3fd, %dx
4:	inb %dx, %al
	testb $0x20, %al
	jz 4b
	movw $0x3f8, %dx
	movb %bl, %al
	outb %al, %dx
	jmp 3b
5:	hlt
	jmp 5b

	.code64
boot_entry64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl boot_mb2_magic, %edi
	movl boot_mb2_info, %esi
	movabsq $kmain, %rax
	call *%rax
6:	hlt
	jmp 6b

	.section .boot.data, "aw"
msg_no_long_mode:
	.asciz "Keel: this CPU has no long mode (x86_64); Keel needs a 64-bit CPU\r\n"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdtr:
	.short boot_gdtr - boot_gdt - 1
	.long boot_gdt
	.balign 4
boot_mb2_magic: .long 0
boot_mb2_info: .long 0
	.balign 16
	.space 256
boot_stack32_top:
	.balign 4096
boot_pml4: .space 4096
boot_pdpt_low: .space 4096
boot_pdpt_high: .space 4096
boot_pd: .space 4 * 4096

	/* The boot CPU's first stack, with an unmapped guard page below it (paging.c leaves it out). */
	.section .bss
	.balign 4096
	.global boot_stack_guard
boot_stack_guard:
	.space 4096
	.global boot_stack_bottom
boot_stack_bottom:
	.space KERNEL_STACK_SIZE
boot_stack_top:
