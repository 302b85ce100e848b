/* Counting semaphores for green threads. A post with waiters hands its unit straight to the first
 * one (FIFO), so a woken waiter never finds the value taken by a barger. */
#include "rt.h"
#include <semaphore.h>
#include <limits.h>

void gp_sem_init(struct gp_sem *s, unsigned value)
{
	*s = (struct gp_sem){ .value = value, .green = GP_SEM_GREEN };
}

int gp_sem_trywait(struct gp_sem *s)
{
	if (!s->value)
		return -EAGAIN;
	s->value--;
	return 0;
}

int gp_sem_wait(struct gp_sem *s, uint64_t deadline)
{
	if (s->value) {
		s->value--;
		return 0;
	}
	return gp_wait_on(&s->wq, 0, deadline); /* 0: a post handed us its unit */
}

int gp_sem_post(struct gp_sem *s)
{
	if (gp_wq_wake_one(&s->wq, 0))
		return 0;
	if (s->value >= SEM_VALUE_MAX)
		return -EOVERFLOW;
	s->value++;
	return 0;
}
