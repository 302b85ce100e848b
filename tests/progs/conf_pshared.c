/* Conformance of process-shared sync objects, printed for comparison with the native run: a
 * PTHREAD_PROCESS_SHARED mutex and condvar, sem_init(pshared=1) semaphores and a barrier in a
 * MAP_SHARED anonymous mapping, used by a parent and a forked child that hand a counter back
 * and forth; a robust shared mutex whose owner process dies; a named semaphore (sem_open,
 * sem_close, sem_unlink). Every wait is bounded (timed waits, a watchdog in each process). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

#define ROUNDS 100

struct shared {
	pthread_mutex_t m;
	pthread_cond_t c;
	pthread_mutex_t robust;
	sem_t to_child, to_parent, count;
	pthread_barrier_t bar;
	int turn; /* 0: the parent's turn, 1: the child's */
	int counter;
	int timeouts[2];
	int serials;
	int arrived[2];
	int early;
	int child_posted;
};

static struct shared *sh;

/* A timed wait on the shared condvar for our turn (at most 2 s per wait). */
static void take_turns(int me)
{
	for (int i = 0; i < ROUNDS; i++) {
		CHECK(pthread_mutex_lock(&sh->m) == 0);
		while (sh->turn != me) {
			struct timespec ts = in_ms(CLOCK_MONOTONIC, 2000);
			if (pthread_cond_timedwait(&sh->c, &sh->m, &ts) == ETIMEDOUT) {
				sh->timeouts[me]++;
				break;
			}
		}
		sh->counter++;
		sh->turn = !me;
		pthread_cond_broadcast(&sh->c);
		pthread_mutex_unlock(&sh->m);
	}
}

static int sem_wait_2s(sem_t *s)
{
	struct timespec ts = in_ms(CLOCK_REALTIME, 2000);
	return sem_timedwait(s, &ts);
}

static void barrier_rounds(int me)
{
	for (int round = 1; round <= 3; round++) {
		if (me == 1)
			usleep(30000); /* the child arrives late: nobody may pass before it */
		__atomic_store_n(&sh->arrived[me], round, __ATOMIC_SEQ_CST);
		int r = pthread_barrier_wait(&sh->bar);
		if (r == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_fetch_add(&sh->serials, 1, __ATOMIC_SEQ_CST);
		else
			CHECK(r == 0);
		if (__atomic_load_n(&sh->arrived[!me], __ATOMIC_SEQ_CST) < round)
			__atomic_fetch_add(&sh->early, 1, __ATOMIC_SEQ_CST);
	}
}

static void child(const char *sem_name)
{
	alarm(10); /* alarms are not inherited across fork */
	/* 1. mutex + condvar turns */
	take_turns(1);
	/* 2. semaphore ping-pong */
	for (int i = 0; i < ROUNDS; i++) {
		if (sem_wait_2s(&sh->to_child) != 0)
			sh->timeouts[1]++;
		sh->counter++;
		sem_post(&sh->to_parent);
	}
	/* 3. the child holds the shared mutex while the parent tries it */
	CHECK(pthread_mutex_lock(&sh->m) == 0);
	sem_post(&sh->to_parent);
	if (sem_wait_2s(&sh->to_child) != 0)
		sh->timeouts[1]++;
	usleep(30000);
	pthread_mutex_unlock(&sh->m);
	/* 4. barrier */
	barrier_rounds(1);
	/* 5. five posts the parent counts after the child's exit */
	for (int i = 0; i < 5; i++)
		sem_post(&sh->count);
	/* 6. a named semaphore opened by name */
	sem_t *ns = sem_open(sem_name, 0);
	if (ns != SEM_FAILED) {
		for (int i = 0; i < 3; i++)
			sh->child_posted += sem_post(ns) == 0;
		sem_close(ns);
	}
	/* 7. die holding the robust mutex */
	CHECK(pthread_mutex_lock(&sh->robust) == 0);
	_exit(0);
}

int main(void)
{
	alarm(20); /* a watchdog: a hang ends the program */
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);

	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pthread_barrierattr_t ba;
	int v = -1;
	CHECK(pthread_mutexattr_init(&ma) == 0);
	CHECK(pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) == 0);
	CHECK(pthread_mutex_init(&sh->m, &ma) == 0);
	CHECK(pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) == 0);
	CHECK(pthread_mutex_init(&sh->robust, &ma) == 0);
	CHECK(pthread_condattr_init(&ca) == 0);
	printf("condattr setpshared SHARED %s", errname(pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED)));
	pthread_condattr_getpshared(&ca, &v);
	printf(", get SHARED %d", v == PTHREAD_PROCESS_SHARED);
	printf(", setpshared 99 %s", errname(pthread_condattr_setpshared(&ca, 99)));
	printf(", setclock MONOTONIC %s\n", errname(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)));
	CHECK(pthread_cond_init(&sh->c, &ca) == 0);
	CHECK(pthread_barrierattr_init(&ba) == 0);
	printf("barrierattr setpshared SHARED %s", errname(pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED)));
	v = -1;
	pthread_barrierattr_getpshared(&ba, &v);
	printf(", get SHARED %d", v == PTHREAD_PROCESS_SHARED);
	printf(", setpshared 99 %s\n", errname(pthread_barrierattr_setpshared(&ba, 99)));
	CHECK(pthread_barrier_init(&sh->bar, &ba, 2) == 0);
	printf("sem_init pshared=1: %d %d %d\n", sem_init(&sh->to_child, 1, 0), sem_init(&sh->to_parent, 1, 0),
	       sem_init(&sh->count, 1, 0));

	char name[64];
	snprintf(name, sizeof(name), "/gp_conf_pshared_%d", (int)getpid());
	sem_t *ns = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
	CHECK(ns != SEM_FAILED);
	errno = 0;
	sem_t *again = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
	printf("named sem: open O_CREAT|O_EXCL %s", ns != SEM_FAILED ? "ok" : errname(errno));
	printf(", again %s\n", again == SEM_FAILED ? errname(errno) : "ok");

	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		child(name);

	/* 1. mutex + condvar turns */
	take_turns(0);
	pthread_mutex_lock(&sh->m);
	while (sh->counter < 2 * ROUNDS) { /* the child's last turn */
		struct timespec ts = in_ms(CLOCK_MONOTONIC, 2000);
		if (pthread_cond_timedwait(&sh->c, &sh->m, &ts) == ETIMEDOUT) {
			sh->timeouts[0]++;
			break;
		}
	}
	printf("mutex+condvar turns: counter %d (expected %d), timeouts %d %d\n", sh->counter, 2 * ROUNDS,
	       sh->timeouts[0], sh->timeouts[1]);
	pthread_mutex_unlock(&sh->m);

	/* 2. semaphore ping-pong */
	int sem_timeouts = 0;
	for (int i = 0; i < ROUNDS; i++) {
		sh->counter++;
		sem_post(&sh->to_child);
		if (sem_wait_2s(&sh->to_parent) != 0)
			sem_timeouts++;
	}
	printf("sem ping-pong: counter %d (expected %d), timeouts %d\n", sh->counter, 4 * ROUNDS, sem_timeouts);

	/* 3. the child holds the mutex */
	int held = sem_wait_2s(&sh->to_parent);
	int tr = pthread_mutex_trylock(&sh->m);
	if (tr == 0)
		pthread_mutex_unlock(&sh->m);
	struct timespec ts = in_ms(CLOCK_REALTIME, 50);
	int tl = pthread_mutex_timedlock(&sh->m, &ts);
	if (tl == 0)
		pthread_mutex_unlock(&sh->m);
	sem_post(&sh->to_child);
	ts = in_ms(CLOCK_REALTIME, 2000);
	int tl2 = pthread_mutex_timedlock(&sh->m, &ts);
	if (tl2 == 0)
		pthread_mutex_unlock(&sh->m);
	printf("child holds the mutex (%s): trylock %s, timedlock 50ms %s; released: timedlock %s\n", held ? "not told" : "told",
	       errname(tr), errname(tl), errname(tl2));

	/* 4. barrier */
	barrier_rounds(0);

	/* the child ends holding the robust mutex */
	int status = -1;
	CHECK(waitpid(pid, &status, 0) == pid);
	printf("barrier: 3 rounds, serial %d, passed early %d\n", sh->serials, sh->early);
	printf("child exit: exited %d status %d\n", WIFEXITED(status), WEXITSTATUS(status));

	v = -1;
	sem_getvalue(&sh->count, &v);
	printf("sem posted 5 times by the child: getvalue %d", v);
	int got = 0;
	while (sem_trywait(&sh->count) == 0)
		got++;
	printf(", trywaits %d, then %s\n", got, errname(errno));

	ts = in_ms(CLOCK_REALTIME, 2000);
	int r = pthread_mutex_timedlock(&sh->robust, &ts);
	printf("robust shared mutex, owner process exited: lock %s", errname(r));
	if (r == EOWNERDEAD)
		printf(", consistent %s", errname(pthread_mutex_consistent(&sh->robust)));
	if (r == 0 || r == EOWNERDEAD)
		printf(", unlock %s", errname(pthread_mutex_unlock(&sh->robust)));
	printf("\n");

	int waited = 0;
	for (int i = 0; i < 3; i++)
		waited += sem_wait_2s(ns) == 0;
	v = -1;
	sem_getvalue(ns, &v);
	printf("named sem: child posted %d, parent waited %d, getvalue %d", sh->child_posted, waited, v);
	printf(", close %d", sem_close(ns));
	printf(", unlink %d", sem_unlink(name));
	errno = 0;
	ns = sem_open(name, 0);
	printf(", open after unlink %s", ns == SEM_FAILED ? errname(errno) : "ok");
	errno = 0;
	r = sem_unlink(name);
	printf(", unlink again %d %s\n", r, errname(errno));

	printf("destroy: mutex %s", errname(pthread_mutex_destroy(&sh->m)));
	printf(", cond %s", errname(pthread_cond_destroy(&sh->c)));
	printf(", barrier %s", errname(pthread_barrier_destroy(&sh->bar)));
	printf(", sems %d %d %d\n", sem_destroy(&sh->to_child), sem_destroy(&sh->to_parent), sem_destroy(&sh->count));
	return 0;
}
