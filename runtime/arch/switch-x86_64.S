/* Context switch for x86-64 System V. A suspended green thread is nothing but its stack pointer:
 * the callee-saved registers, the MXCSR/x87 control words (callee-saved by the ABI) and the return
 * address sit on its own stack. Cost: 8 pushes, 8 pops, one indirect return. The control words are
 * reloaded only when they differ: ldmxcsr and fldcw are slow, serialising instructions, and threads
 * almost never change them. */
	.text
	.globl	gp_ctx_switch
	.hidden	gp_ctx_switch
	.type	gp_ctx_switch, @function
/* void gp_ctx_switch(void **save_sp, void *load_sp) */
gp_ctx_switch:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movl	(%rsp), %eax
	movzwl	4(%rsp), %ecx
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	cmpl	(%rsp), %eax
	je	1f
	ldmxcsr	(%rsp)
1:	cmpw	4(%rsp), %cx
	je	2f
	fldcw	4(%rsp)
2:	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	gp_ctx_switch, .-gp_ctx_switch

/* First return target of a new green thread (see gp_ctx_init): r12 holds the entry function,
 * r13 its argument. The stack is 16-byte aligned here; the call pushes the return address that
 * ends the chain for unwinders (entry never returns). */
	.globl	gp_ctx_start
	.hidden	gp_ctx_start
	.type	gp_ctx_start, @function
gp_ctx_start:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	movq	%r13, %rdi
	callq	*%r12
	ud2
	.cfi_endproc
	.size	gp_ctx_start, .-gp_ctx_start
	.section .note.GNU-stack,"",@progbits
