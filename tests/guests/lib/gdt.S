/* The test guests' one GDT (flat segments for every mode), shared by the 16-, 32- and 64-bit entries. */
	.section .rodata
	.balign 16
	.global guest_gdt, guest_gdt_end, guest_gdtr
guest_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code, flat */
	.quad 0x00cf92000000ffff	/* 0x10: data, flat 4 GiB */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
	.quad 0x00009a000000ffff	/* 0x20: 16-bit code, base 0, 64 KiB */
	.quad 0x000092000000ffff	/* 0x28: 16-bit data, base 0, 64 KiB */
guest_gdt_end:
	.balign 4
	.word 0
guest_gdtr:
	.word guest_gdt_end - guest_gdt - 1
	.long guest_gdt

	.section .note.GNU-stack, "", @progbits
