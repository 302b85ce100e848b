/* Cancellation and pthread_exit of green threads. glibc cancels a native thread by unwinding its
 * stack (a forced unwind: C++ destructors and pthread_cleanup_push handlers run on the way), and
 * so does this: _Unwind_ForcedUnwind over the green stack, down to gp_ctx_start, whose CFI ends
 * the stack, and then gp_exit. C programs register their cleanup handlers with
 * __pthread_register_cancel (a setjmp buffer in the caller's frame): the stop function jumps into
 * the buffer when the unwind reaches that frame; the handler runs and calls
 * __pthread_unwind_next, which resumes the unwind from there, as glibc does.
 *
 * Requests are deferred to cancellation points: every wait that is one returns -ECANCELED when a
 * request is pending (on entry, or by being woken), and the shim acts on it. A thread that set
 * PTHREAD_CANCEL_ASYNCHRONOUS is cancelled when it next resumes.
 *
 * The unwinder is libgcc's, found with dlopen as glibc finds it: the one C++ code uses. */
#include "rt.h"
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <string.h>
#include <unwind.h>

_Static_assert(sizeof(struct _Unwind_Exception) <= sizeof(((struct gp_gt *)0)->unwind_exc),
	       "gp_gt.unwind_exc holds an _Unwind_Exception");

/* glibc's __pthread_unwind_buf_t: the setjmp buffer, then four pointers; we chain through the
 * first (glibc's own "prev"). */
struct cleanup_buf {
	struct {
		long jmp[8];
		int mask_was_saved;
	} jb[1];
	void *pad[4];
};

static struct {
	_Unwind_Reason_Code (*forced)(struct _Unwind_Exception *, _Unwind_Stop_Fn, void *);
	_Unwind_Word (*cfa)(struct _Unwind_Context *);
	int tried;
} ulib;

static int unwinder(void)
{
	if (!__atomic_load_n(&ulib.tried, __ATOMIC_ACQUIRE)) {
		void *h = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL);
		if (h) {
			ulib.forced = (__typeof__(ulib.forced))dlsym(h, "_Unwind_ForcedUnwind");
			ulib.cfa = (__typeof__(ulib.cfa))dlsym(h, "_Unwind_GetCFA");
		}
		__atomic_store_n(&ulib.tried, 1, __ATOMIC_RELEASE);
	}
	return ulib.forced && ulib.cfa;
}

/* ---- requests ---- */

/* On t's own hub: wake it if it waits at a cancellation point. */
void gp_cancel_deliver(struct gp_gt *t)
{
	if (t->state == GP_WAITING && !t->exiting && !t->in_tpool &&
	    (t->killed || (t->cancel_point && !t->cancel_off)))
		gp_cancel_wait(t, -ECANCELED);
}

int gp_kill(struct gp_gt *t)
{
	if (!gp_is_gt(t) || t->state == GP_DONE)
		return gp_is_gt(t) ? 0 : -ESRCH;
	t->killed = 1;
	if (t == gp_self() && !t->exiting)
		gp_cancel_act();
	return gp_cancel(t);
}

int gp_cancel(struct gp_gt *t)
{
	if (!gp_is_gt(t))
		return -ESRCH;
	__atomic_store_n(&t->cancel_pending, 1, __ATOMIC_RELEASE);
	if (t == gp_self()) {
		if ((t->cancel_async || t->killed) && gp_cancel_due())
			gp_cancel_act();
		return 0;
	}
	if (t->hub == gp_hub_peek()) {
		gp_cancel_deliver(t);
		return 0;
	}
	struct gp_waiter *msg = calloc(1, sizeof(*msg)); /* freed by the hub that delivers it */
	if (!msg)
		return -ENOMEM;
	msg->gt = t;
	msg->kind = GP_MSG_CANCEL;
	gp_wake(msg, 0, 1);
	return 0;
}

/* ---- exit by unwinding ---- */

static void run_next_cleanup(struct gp_gt *cur) __attribute__((noreturn));

/* The green thread's frames are done: leave. */
static void unwound(struct gp_gt *cur) __attribute__((noreturn));
static void unwound(struct gp_gt *cur)
{
	if (cur->cleanup)
		run_next_cleanup(cur); /* handlers in frames the unwinder could not see */
	gp_exit(cur->ret);
}

static void run_next_cleanup(struct gp_gt *cur)
{
	struct cleanup_buf *b = cur->cleanup;
	/* glibc's buffer is a sigjmp_buf cut short after mask_was_saved (0): nothing past it is read */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
	siglongjmp((struct __jmp_buf_tag *)b->jb, 1); /* it runs its handler, then __pthread_unwind_next */
#pragma GCC diagnostic pop
}

static _Unwind_Reason_Code stop(int version, _Unwind_Action actions, _Unwind_Exception_Class cls,
				struct _Unwind_Exception *exc, struct _Unwind_Context *ctx, void *param)
{
	struct gp_gt *cur = param;
	int end = (actions & _UA_END_OF_STACK) != 0;
	if (cur->cleanup && (end || ulib.cfa(ctx) > (_Unwind_Word)(uintptr_t)cur->cleanup))
		run_next_cleanup(cur); /* the unwind reached the frame that pushed the handler */
	if (end)
		unwound(cur);
	return _URC_NO_REASON;
}

static void exc_cleanup(_Unwind_Reason_Code code, struct _Unwind_Exception *exc)
{
	gp_panic("a thread's exit (pthread_exit or cancellation) was caught and not rethrown");
}

/* Unwind the calling green thread's stack from here. Threads whose stack the runtime did not
 * make (the OS thread's own, main's) are not unwound past their C cleanup handlers: their
 * bottom frames belong to the C library. */
static void unwind(struct gp_gt *cur) __attribute__((noreturn));
static void unwind(struct gp_gt *cur)
{
	if (cur->stack.map && unwinder()) {
		struct _Unwind_Exception *exc = (struct _Unwind_Exception *)cur->unwind_exc;
		memset(exc, 0, sizeof(*exc));
		memcpy(&exc->exception_class, "GNUCNPTL", 8);
		exc->exception_cleanup = exc_cleanup;
		ulib.forced(exc, stop, cur);
	}
	unwound(cur); /* no unwinder, or it could not start */
}

void gp_exit_unwind(void *ret)
{
	struct gp_gt *cur = gp_self();
	cur->ret = ret;
	cur->exiting = 1;
	unwind(cur);
}

void gp_cancel_act(void)
{
	gp_self()->exit_err = ECANCELED;
	gp_exit_unwind(PTHREAD_CANCELED);
}

/* ---- pthread_cleanup_push / pop (glibc's __pthread_register_cancel family) ---- */

void gp_cleanup_push(void *buf)
{
	struct gp_gt *cur = gp_self();
	((struct cleanup_buf *)buf)->pad[0] = cur->cleanup;
	cur->cleanup = buf;
}

void gp_cleanup_pop(void *buf)
{
	struct gp_gt *cur = gp_self();
	if (cur->cleanup == buf)
		cur->cleanup = ((struct cleanup_buf *)buf)->pad[0];
}

/* A handler ran during the unwind: go on with the next frames. */
void gp_cleanup_next(void *buf)
{
	struct gp_gt *cur = gp_self();
	cur->cleanup = ((struct cleanup_buf *)buf)->pad[0];
	unwind(cur);
}

/* pthread_cleanup_push_defer_np: deferred cancellation until the matching pop, which restores
 * the type kept in the buffer's last pointer (where glibc keeps it). */
void gp_cleanup_push_defer(void *buf)
{
	struct gp_gt *cur = gp_self();
	((struct cleanup_buf *)buf)->pad[3] = (void *)(long)cur->cancel_async;
	cur->cancel_async = 0;
	gp_cleanup_push(buf);
}

void gp_cleanup_pop_restore(void *buf)
{
	struct gp_gt *cur = gp_self();
	gp_cleanup_pop(buf);
	cur->cancel_async = (uint8_t)(long)((struct cleanup_buf *)buf)->pad[3];
	if (cur->cancel_async && gp_cancel_due())
		gp_cancel_act();
}
