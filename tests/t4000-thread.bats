#!/usr/bin/env bats
# The thread module: pthreads are green threads of one hub; their sync objects behave as natively.

load helpers

@test "1000 pthreads run on one OS thread (natively one OS thread each)" {
  run gp "$PROGS/sleepers" 1000 50 usleep
  assert_success
  assert_equal "$(field os_threads)" 1
  run native "$PROGS/sleepers" 100 50 usleep
  assert_success
  assert_ge "$(field os_threads)" 101
}

@test "mutexes of every type: results and error codes identical to native" {
  expected=$(native "$PROGS/mutexes" | grep -v '^order=')
  run gp "$PROGS/mutexes"
  assert_success
  assert_equal "$(grep -v '^order=' <<<"$output")" "$expected"
  assert_line --partial "errorcheck: lock ok, trylock again Device or resource busy, lock again Resource deadlock avoided"
  assert_line --partial "other unlock Operation not permitted"
  assert_line "order=01234567" # FIFO hand-off to the waiters, in arrival order
}

@test "condition variables: producer/consumer, timed waits on both clocks, signal and broadcast" {
  same_as_native "$PROGS/condvar"
  assert_line "producer/consumer sum 50005000 (expected 50005000)"
  assert_line "timedwait realtime 50 ms: Connection timed out, waited>=45 1, mutex held after: 1"
  assert_line "after one signal: 1 woken"
  assert_line "after broadcast: 10 woken"
}

@test "a binary bound to the old condvar ABI (pthread_cond_*@GLIBC_2.2.5) behaves as natively" {
  run objdump -T "$PROGS/cond_oldabi"
  assert_output --regexp 'GLIBC_2\.2\.5\)? +pthread_cond_wait'
  same_as_native "$PROGS/cond_oldabi"
  assert_line "old ABI after broadcast: 6 woken"
  assert_line "old ABI timedwait 50 ms: Connection timed out, waited>=45 1"
}

@test "pthread_once runs a sleeping init once; keys and their destructor rounds" {
  same_as_native "$PROGS/once_keys"
  assert_line "init ran 1 time(s), early returns 0"
  assert_line "destructor calls 20, sum 210 (expected 20, 210)"
}

@test "errno per thread across switches; a mutex held across a sleep still excludes" {
  same_as_native "$PROGS/thread_misc"
  assert_line "errno kept by 100 of 100 threads, and by main 1"
  assert_line "counter 1000 (expected 1000), overlapping critical sections 0"
}

@test "join values, detach, pthread_equal, join of self" {
  same_as_native "$PROGS/exit_paths" return-value
  assert_output "join values 42 43, detached ran 1, self equal 1, join self Resource deadlock avoided"
}

@test "pthread_exit from main keeps the process alive until the last thread, status 0" {
  run gp "$PROGS/exit_paths" main-pthread-exit
  assert_success
  assert_output "main leaves
thread 0 done
thread 1 done
thread 2 done"
}

@test "exit() from a thread ends the process at once with its status" {
  t0=$(now_ms)
  run gp "$PROGS/exit_paths" thread-exit
  assert_failure 3
  assert_output ""
  assert_lt $(($(now_ms) - t0)) 800 # the other thread would sleep 1.05 s
}

@test "returning from main ends the process at once, other threads or not" {
  t0=$(now_ms)
  run gp "$PROGS/exit_paths" main-return
  assert_failure 5
  assert_output "main returns"
  assert_lt $(($(now_ms) - t0)) 400 # the threads would sleep 550 ms and more
}

@test "a sched_yield loop does not starve a socket reader" {
  run gp "$PROGS/yield_starve"
  assert_success
  assert_output --partial "spinner yielded yes, os_threads=1"
}

@test "an old binary's pthread_yield (GLIBC_2.2.5) is a green yield too" {
  run objdump -T "$PROGS/yield_starve"
  assert_output --regexp 'GLIBC_2\.2\.5\)? +pthread_yield'
  run gp "$PROGS/yield_starve" old
  assert_success
  assert_output --partial "spinner yielded yes, os_threads=1"
}

@test "pthread_attr stack size and a program-provided stack are honoured" {
  run gp "$PROGS/stacks"
  assert_success
  assert_output "deep recursion in 8 MiB: ok; own stack used: yes; small default: ok"
}

@test "mutex+condvar ping-pong between two threads keeps working over 100,000 hand-offs" {
  [[ -x "$BENCH/handoff" ]] || skip "build/bench/handoff not built"
  run gp "$BENCH/handoff" 100000
  assert_success
  assert_output --partial "ops=200000"
}

@test "THREAD=0: pthreads are native OS threads; sync objects still behave as natively" {
  run gp_env GREENPATCH_THREAD=0 "$PROGS/sleepers" 100 50 usleep
  assert_success
  assert_ge "$(field os_threads)" 101
  for prog in condvar once_keys thread_misc; do
    expected=$(native "$PROGS/$prog")
    run gp_env GREENPATCH_THREAD=0 "$PROGS/$prog"
    assert_success
    assert_output "$expected"
  done
  expected=$(native "$PROGS/mutexes" | grep -v '^order=')
  run gp_env GREENPATCH_THREAD=0 "$PROGS/mutexes"
  assert_success
  assert_equal "$(grep -v '^order=' <<<"$output")" "$expected"
}

@test "THREAD=0: 2000 native threads that sleep and read leave no descriptor behind" {
  run gp_env GREENPATCH_THREAD=0 "$PROGS/native_churn"
  assert_success
  before=$(field before)
  assert_equal "$(field after)" "$before"
}

@test "semaphores, read-write locks, barriers, spinlocks: identical to native, holders may sleep" {
  same_as_native "$PROGS/sync_more"
  assert_line "sem producer/consumer sum 500500"
  assert_line "barrier: 3 rounds, serial threads 3"
  assert_line "spinlock: count 12, trylock free -> 0"
}

@test "calls that name a thread: names per green thread, pthread_kill(t, 0), attr/affinity/sched queries" {
  same_as_native "$PROGS/thread_names"
  assert_line "names kept per thread: 1 1"
}

@test "a native thread started by a library behind the preload shares every sync object with green threads" {
  same_as_native "$PROGS/native_mix" "$ROOT/build/tests/libs/libnativethread.so"
  assert_line "mutex: counter 60000 (expected 60000)"
  assert_line "rwlock: a green reader got in while the native thread held the read lock"
  assert_line "barrier of 4 (3 green, 1 native): serial threads 1 (expected 1)"
  assert_line "once: ran 1 time(s), every caller saw it done 1"
  assert_line "join of the native thread: 0, value 42"
  assert_line "heartbeat went on while green threads waited on the native one: 1"
}

@test "deadlock: reported once with each thread, what it waits on and a backtrace; the program keeps waiting" {
  run timeout 3 env LD_PRELOAD="$GP_PRELOAD" "$PROGS/deadlock"
  assert_failure 124 # it hangs as natively, until timeout stops it
  assert_line "started"
  assert_line --partial "greenpatch: deadlock: every green thread waits and nothing can wake them"
  assert_line --regexp '^  thread [0-9]+ "first": waits on mutex 0x[0-9a-f]+, held by thread [0-9]+ "second"$'
  assert_line --regexp '^  thread [0-9]+ "second": waits on mutex 0x[0-9a-f]+, held by thread [0-9]+ "first"$'
  assert_line --regexp '^  thread [0-9]+ "deadlock" \(main\): waits on join 0x[0-9a-f]+ \(thread [0-9]+ "first"\)$'
  assert_line --regexp '^    #0 0x[0-9a-f]+ first\+0x[0-9a-f]+ in deadlock$'
  assert_line --regexp '^    #0 0x[0-9a-f]+ main\+0x[0-9a-f]+ in deadlock$'
  assert_line "greenpatch: waiting on, as the program would without greenpatch"
  assert_equal "$(grep -c 'greenpatch: deadlock' <<<"$output")" 1
}

@test "deadlock: GREENPATCH_DEADLOCK=abort aborts after the report, =off says nothing" {
  run timeout 10 env GREENPATCH_DEADLOCK=abort LD_PRELOAD="$GP_PRELOAD" "$PROGS/deadlock" sem
  assert_failure 134 # SIGABRT
  assert_line --regexp '^  thread [0-9]+ "deadlock" \(main\): waits on semaphore 0x[0-9a-f]+$'
  assert_line "greenpatch: GREENPATCH_DEADLOCK=abort: aborting"
  run timeout 2 env GREENPATCH_DEADLOCK=off LD_PRELOAD="$GP_PRELOAD" "$PROGS/deadlock"
  assert_failure 124
  assert_output "started"
}
