/* dlsym, interposed for GREENPATCH_TPOOL_WRAP (see wrap.c): a wrapped name gives its closure;
 * every other lookup goes on to the real dlsym by a jump, not a call, so that it still sees its
 * caller's return address: glibc resolves RTLD_NEXT (and the lookup's namespace) from it. A
 * dlsym before greenpatch's constructor (another library's constructor: AddressSanitizer's
 * runtime finds the functions it intercepts so) finds the real one first.
 * void *dlsym(void *handle, const char *name) */
	.text
	.globl	dlsym
	.type	dlsym, @function
dlsym:
	.cfi_startproc
	pushq	%rdi
	.cfi_adjust_cfa_offset 8
	pushq	%rsi
	.cfi_adjust_cfa_offset 8
	subq	$8, %rsp			/* the call below wants a 16-byte aligned stack */
	.cfi_adjust_cfa_offset 8
	movq	%rsi, %rdi
	call	gp_wrap_lookup
	testq	%rax, %rax
	jnz	2f				/* a wrapped name: its closure */
	movq	gp_real_dlsym(%rip), %rax
	testq	%rax, %rax
	jnz	1f
	call	gp_real_dlsym_get		/* called before the table is filled */
1:	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	popq	%rsi
	.cfi_adjust_cfa_offset -8
	popq	%rdi
	.cfi_adjust_cfa_offset -8
	jmp	*%rax
2:	.cfi_adjust_cfa_offset 24
	addq	$24, %rsp
	.cfi_adjust_cfa_offset -24
	ret
	.cfi_endproc
	.size	dlsym, .-dlsym
	.section .note.GNU-stack,"",@progbits
