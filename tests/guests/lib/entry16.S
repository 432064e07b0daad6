/* Entry of the flat real-mode test guests, loaded whole at 0000:7C00 and started there in real mode (as
 * Keel does for a non-Multiboot image). The first sector is also a boot sector: under a BIOS that loaded only
 * it (a floppy image, for testing without Keel), it reads the rest of the image from the boot drive first.
 * Then: big real mode (DS, ES, FS, GS with 4 GiB limits, so C code reaches any address), bss cleared, and
 * guest_main called (C compiled with -m16). */
#define IMAGE_MAGIC 0x4c45454b /* "KEEL" */
	.code16
	.section .boot, "ax"
	.global _start
_start:
	cli
	ljmp $0, $1f
1:	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $0x7c00, %esp
	cld
	cmpl $IMAGE_MAGIC, image_magic
	je loaded

	/* A BIOS loaded only this sector: read the others, one at a time (floppy CHS, 18 sectors, 2 heads). */
	movb %dl, boot_drive
	movw $1, %si
read_next:
	cmpw $image_sectors, %si
	jae loaded_check
	movw %si, %ax
	xorw %dx, %dx
	movw $18, %cx
	divw %cx		/* ax = track index, dx = sector - 1 */
	movb %dl, %cl
	incb %cl		/* sector */
	movb %al, %dh
	andb $1, %dh		/* head */
	shrw $1, %ax
	movb %al, %ch		/* cylinder */
	movw %si, %bx
	shlw $5, %bx
	addw $0x07c0, %bx
	movw %bx, %es		/* destination 0x7c00 + 512 * si */
	xorw %bx, %bx
	movb boot_drive, %dl
	movw $0x0201, %ax
	int $0x13
	jc read_failed
	incw %si
	jmp read_next
loaded_check:
	xorw %ax, %ax
	movw %ax, %es
	cmpl $IMAGE_MAGIC, image_magic
	je loaded
read_failed:
	movw $0x3f8, %dx
	movb $'!', %al
	outb %al, %dx
	cli
	hlt

loaded:
	/* big real mode */
	lgdtl guest_gdtr
	movl %cr0, %eax
	orb $1, %al
	movl %eax, %cr0
	jmp 2f
2:	movw $0x10, %bx
	movw %bx, %ds
	movw %bx, %es
	movw %bx, %fs
	movw %bx, %gs
	andb $0xfe, %al
	movl %eax, %cr0
	jmp 3f
3:	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	addr32 rep stosb
	calll guest_main
4:	cli
	hlt
	jmp 4b

boot_drive:
	.byte 0

	.section .image_magic, "a"
	.global image_magic
image_magic:
	.long IMAGE_MAGIC

	.section .note.GNU-stack, "", @progbits
