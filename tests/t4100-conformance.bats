#!/usr/bin/env bats
# pthread conformance: each tests/progs/conf_* program prints the results and error codes of one
# area (mutexes, robust mutexes, process-shared objects, condvars, rwlocks, spinlocks and
# barriers, once and keys, attributes, cancellation, semaphores, C11 threads); under the preload
# the output must equal the native one, line for line. The asserted lines are the native values
# (glibc 2.36).

load helpers

@test "conf_mutex types: every type by attribute and static initializer, trylock, relock, non-owner unlock, destroy while locked" {
  same_as_native "$PROGS/conf_mutex" types
  assert_line "static recursive: lock 0, trylock 0, relock 0, other trylock EBUSY, other unlock EPERM, destroy locked EBUSY, unlocks 3, unlock unlocked EPERM, other trylock after 0, destroy 0"
  assert_line "static errorcheck: lock 0, trylock EBUSY, relock EDEADLK, other trylock EBUSY, other unlock EPERM, destroy locked EBUSY, unlocks 1, unlock unlocked EPERM, other trylock after 0, destroy 0"
  assert_line "static adaptive: lock 0, trylock EBUSY, other trylock EBUSY, destroy locked EBUSY, unlocks 1, other trylock after 0, destroy 0"
  assert_line "recursive depth 1000: failed locks 0, failed unlocks 0, other trylock at 1000 EBUSY, at 1 EBUSY, after 0, extra unlock EPERM"
}

@test "conf_mutex timed: timedlock and clocklock on both clocks, a bad clock, bad tv_nsec only when blocking, past deadlines" {
  same_as_native "$PROGS/conf_mutex" timed
  assert_line "held: clocklock monotonic +50ms -> ETIMEDOUT, waited>=45 1"
  assert_line "free: clocklock CLOCK_PROCESS_CPUTIME_ID -> EINVAL"
  assert_line "free: timedlock tv_nsec=1000000000 -> 0, tv_nsec=-1 -> 0"
  assert_line "errorcheck held by self: timedlock -> EDEADLK, clocklock monotonic -> EDEADLK"
}

@test "conf_mutex attr: mutexattr type/pshared/robust/protocol/prioceiling, PRIO_PROTECT ceilings, PRIO_INHERIT mutexes" {
  same_as_native "$PROGS/conf_mutex" attr
  assert_line "prio protect: init 0, getprioceiling 0 10, setprioceiling 20 0 old 10 now 20, setprioceiling max+1 EINVAL"
  assert_line "prio inherit errorcheck: init 0, lock 0, trylock EDEADLK, relock EDEADLK, other unlock EPERM, other trylock EBUSY, other timedlock ETIMEDOUT, unlocks 1, other trylock after 0, destroy 0"
  assert_line "pshared in one process: lock 0, other trylock EBUSY, other timedlock ETIMEDOUT, unlock 0, other trylock 0, destroy 0"
}

@test "conf_robust: owner exits holding it -> EOWNERDEAD, consistent, ENOTRECOVERABLE, blocked waiters, robust variants" {
  same_as_native "$PROGS/conf_robust"
  assert_line "owner returned holding it: lock EOWNERDEAD, other trylock EBUSY, consistent 0, consistent again EINVAL, unlock 0, lock 0, unlock 0, other trylock 0"
  assert_line "no consistent: lock EOWNERDEAD, unlock 0, lock ENOTRECOVERABLE, other lock ENOTRECOVERABLE, consistent EINVAL, trylock ENOTRECOVERABLE, destroy 0"
  assert_line "2 waiters blocked while the owner exits: both done 1, EOWNERDEAD 1, 0 1, consistent ok 1"
  assert_line "owner died holding 6 of 8: EOWNERDEAD 6, 0 2, per mutex DD0DD0DD"
}

@test "conf_pshared: shared mutex, condvar, semaphores, barrier across fork; a robust shared mutex; a named semaphore" {
  same_as_native "$PROGS/conf_pshared"
  assert_line "mutex+condvar turns: counter 200 (expected 200), timeouts 0 0"
  assert_line "sem ping-pong: counter 400 (expected 400), timeouts 0"
  assert_line "robust shared mutex, owner process exited: lock EOWNERDEAD, consistent 0, unlock 0"
  assert_line "named sem: child posted 3, parent waited 3, getvalue 0, close 0, unlink 0, open after unlink ENOENT, unlink again -1 ENOENT"
}

@test "conf_cond: condattr clocks, timeouts with the mutex held again, bad clocks, signal wakes one, a recursive mutex locked twice" {
  same_as_native "$PROGS/conf_cond"
  assert_line "clockwait PROCESS_CPUTIME_ID: EINVAL, mutex held after EBUSY; clock 99: EINVAL"
  assert_line "6 waiters, one signal: woken 1, still waiting 5"
  assert_line "broadcast: woken 6, still waiting 0"
  # glibc's wait releases only one level of a recursive mutex: it stays locked during the wait
  assert_line "recursive mutex locked twice around a wait: other trylock during the wait EBUSY, waiter done 1, flag seen 0, then unlocks until error 2"
}

@test "conf_rwlock errors: try/timed/clock variants, EDEADLK on the caller's own lock, rwlockattr kinds" {
  same_as_native "$PROGS/conf_rwlock" errors
  assert_line "written by self: rdlock EDEADLK, wrlock EDEADLK, tryrdlock EBUSY, trywrlock EBUSY, timedrdlock EDEADLK, clockwrlock EDEADLK, unlock 0, other trywrlock after 0"
  assert_line "free: clock PROCESS_CPUTIME_ID rd EINVAL wr EINVAL, tv_nsec=1000000000 rd EINVAL wr EINVAL, 10 s in the past rd 0 wr 0"
  assert_line "unlock of a lock nobody holds: 0"
}

@test "conf_rwlock together: readers share the lock, writers exclude everyone" {
  same_as_native "$PROGS/conf_rwlock" together
  assert_line "8 readers holding it 50 ms each: all inside at once 1, timeouts 0"
  assert_line "4 writers x 200 and 4 readers: count 800, readers saw a half-done write 0, timeouts 0"
}

@test "conf_rwlock preference: a new reader passes a waiting writer by default, not with PREFER_WRITER_NONRECURSIVE_NP" {
  same_as_native "$PROGS/conf_rwlock" preference
  assert_line "default (init NULL): reader R holds, writer W waits, reader r arrives: order RrW"
  assert_line "PREFER_WRITER_NP: reader R holds, writer W waits, reader r arrives: order RrW"
  assert_line "PREFER_WRITER_NONRECURSIVE_NP: reader R holds, writer W waits, reader r arrives: order RWr"
  assert_line "PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP: reader R holds, writer W waits, reader r arrives: order RWr"
}

@test "conf_spin_barrier: spinlock calls and a contended count, barrier rounds with one serial thread each" {
  same_as_native "$PROGS/conf_spin_barrier"
  assert_line "spin: 4 threads x 50 increments, holder sleeps 1 ms: count 200, overlaps 0, contended>0 1"
  assert_line "barrier init count 0 EINVAL, count 1 0: 3 waits return SERIAL 3, destroy 0"
  assert_line "barrier of 5, 3 rounds: serial per round 1 1 1, other results not 0: 0, passed early 0, took>=55ms 1"
}

@test "conf_once_keys: a sleeping once init, destructor rounds, deleted and recreated keys, many keys, main's destructors" {
  same_as_native "$PROGS/conf_once_keys"
  assert_line "once: 10 threads, init sleeps 100 ms: init ran 1 time(s), returned before it finished 0, took>=95ms 1"
  assert_line "keys: destructor that always sets it again, 2 threads: calls 8, per thread 4 (PTHREAD_DESTRUCTOR_ITERATIONS 4)"
  assert_line "delete: key with values in 4 threads: delete 0, delete again EINVAL, setspecific EINVAL, getspecific NULL 1, new key: main reads NULL 1, the 3 threads read NULL 3, deleted key's destructor calls 0"
  assert_line "main's destructor ran with 42"
}

@test "conf_attr attr: pthread_attr_* defaults, setters and their errors" {
  same_as_native "$PROGS/conf_attr" attr
  assert_line "attr setstacksize: 1 MiB 0/1, PTHREAD_STACK_MIN 0, PTHREAD_STACK_MIN+1 0, PTHREAD_STACK_MIN-1 EINVAL (kept 1)"
  assert_line "attr setscope: SYSTEM 0, PROCESS EOPNOTSUPP, 99 EINVAL"
  assert_line "attr setstack: 128 KiB 0, getstack same 1, getstacksize same 1, too small EINVAL"
}

@test "conf_attr threads: pthread_getattr_np stacks hold a local of the thread; attr sigmask" {
  same_as_native "$PROGS/conf_attr" threads
  assert_line "thread with a 1 MiB stacksize: getattr_np size>=1MiB 1, holds a local 1, joinable 1, self is the created id 1"
  assert_line "thread on its own 256 KiB stack: getattr_np holds a local 1, size>=255KiB 1, returned 5"
  assert_line "setsigmask_np: the thread starts with SIGUSR1 blocked 1, a plain thread 0"
}

@test "conf_attr joins: tryjoin, timedjoin and clockjoin of a running thread, kill 0" {
  same_as_native "$PROGS/conf_attr" joins
  assert_line "running thread: tryjoin EBUSY"
  assert_line "running thread: clockjoin MONOTONIC +50ms ETIMEDOUT waited>=45 1"
  assert_line "told to end: timedjoin +3s 0 value 5"
}

@test "conf_attr detached: a live detached thread cannot be joined or detached again" {
  same_as_native "$PROGS/conf_attr" detached
  assert_line "detached at creation: join EINVAL"
  assert_line "detached at creation: tryjoin EBUSY"
  assert_line "detached later: detach 0, detach again EINVAL, join EINVAL"
}

@test "conf_attr misc: names (ERANGE), sched_yield, pthread_equal, join of self, sched params, CPU clock" {
  same_as_native "$PROGS/conf_attr" misc
  assert_line "names: setname 15 chars 0, getname 0 \"fifteen-chars-x\", setname 16 chars ERANGE (kept \"fifteen-chars-x\"), getname into 5 bytes ERANGE, into 16 bytes 0"
  assert_line "misc: sched_yield 0, equal(self, self) 1, equal(self, other) 0, join self EDEADLK, kill self 0 0"
  assert_line "cpu clock: getcpuclockid 0, clock_gettime 0"
}

@test "conf_cancel points: deferred cancellation in every blocking cancellation point, async on a sched_yield loop" {
  same_as_native "$PROGS/conf_cancel" points
  assert_line "cancel in pthread_cond_wait: cancel 0, joined PTHREAD_CANCELED 1, cleanup ran 1, returned from the call 0, handler's unlock 0, other trylock after 0"
  assert_line "cancel in read (socketpair): cancel 0, joined PTHREAD_CANCELED 1, cleanup ran 1, returned from the call 0"
  assert_line "cancel in a sched_yield loop, ASYNCHRONOUS: cancel 0, joined PTHREAD_CANCELED 1, cleanup ran 1, returned from the call 0"
  assert_line "cancel in a sched_yield loop, DEFERRED: cancel 0, joined PTHREAD_CANCELED 1, cleanup ran 1, the loop ran to its end first 1"
}

@test "conf_cancel handlers: LIFO cleanup, pop(1)/pop(0), the mutex after a cancelled cond_wait, mutex_lock is no point" {
  same_as_native "$PROGS/conf_cancel" handlers
  assert_line "cleanup handlers a, b, c pushed, cancelled in sleep: run order cba, canceled 1"
  assert_line "push a, push b, pop(1), push c, pop(0), pthread_exit: run order b-a, value 7"
  assert_line "cond_wait cancelled while the canceller holds the mutex: canceller locked it 0, handler ran before the unlock 0, after 1"
}

@test "conf_cancel state: setcancelstate/type old values, DISABLE defers, self-cancel, once, keys, an ended thread" {
  same_as_native "$PROGS/conf_cancel" state
  assert_line "cancel while DISABLE: cancel 0, old state ENABLE 1, the sleep finished 1, went on after ENABLE 1 (old DISABLE 1), cancelled at testcancel 1"
  assert_line "pthread_once init cancelled: canceled 1, the next caller ran init again 1 (runs 2)"
  assert_line "cancel of an ended, unjoined thread: 0, joined value 9"
}

@test "conf_sem: init limits, trywait/timedwait/clockwait errors, EOVERFLOW, exact wakeups, 10,000 units, a post from a signal handler" {
  same_as_native "$PROGS/conf_sem"
  assert_line "sem_init: value 0 0, SEM_VALUE_MAX 0 (getvalue is SEM_VALUE_MAX 1), post at SEM_VALUE_MAX -1 EOVERFLOW (still max 1), SEM_VALUE_MAX+1 -1 EINVAL"
  # unlike mutexes, glibc checks tv_nsec (and the clock) even when the semaphore is available
  assert_line "at 1: timedwait tv_nsec=1000000000 -1 EINVAL, 10 s in the past 0, clockwait PROCESS_CPUTIME_ID -1 EINVAL, clockwait MONOTONIC 0, getvalue 1"
  assert_line "2 producers, 2 consumers, 10000 units through 16 slots: consumed 10000, sum 50005000 (expected 50005000), timeouts 0, slots 16, items 0"
  assert_line "sem_post from a SIGALRM handler: handler ran 1, the blocked sem_wait returned 0 1, needed the late post 0, getvalue 0"
}

@test "conf_c11: thrd_*, mtx_* of every type, cnd_*, tss_* destructors, call_once" {
  same_as_native "$PROGS/conf_c11"
  assert_line "thrd_exit(7) from a nested call: create thrd_success, join thrd_success result 7"
  assert_line "mtx_init(mtx_timed|mtx_recursive) thrd_success, lock thrd_success, trylock thrd_success, lock again thrd_success, other trylock thrd_busy, other timedlock +50ms thrd_timedout, unlocks 3, other trylock after thrd_success"
  assert_line "4 waiters: cnd_signal thrd_success, woken 1, still waiting 3, cnd_broadcast thrd_success, woken 4, still waiting 0"
  assert_line "a destructor that always sets the value again: calls 4 (TSS_DTOR_ITERATIONS 4)"
}
