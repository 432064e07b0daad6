/* context_switch(uint64_t *save_rsp, uint64_t new_rsp): saves the callee-saved registers on the current
 * stack, stores its pointer, and resumes the thread whose stack new_rsp is. thread_trampoline starts new
 * threads. */
	.text
	.global context_switch
context_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.global thread_trampoline
thread_trampoline:
	xorl %ebp, %ebp
	call thread_start
	ud2
