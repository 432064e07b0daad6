/* Real-mode interrupt entry for the realmode guest: IVT stubs that call realmode_irq(irq) (C, -m16). */
	.code16
	.text
	.macro irqstub n
	.global realmode_irq\n
realmode_irq\n:
	pushal
	cld
	pushl $\n
	calll realmode_irq
	addl $4, %esp
	popal
	iret
	.endm
	irqstub 0
	irqstub 8

	.section .note.GNU-stack, "", @progbits
