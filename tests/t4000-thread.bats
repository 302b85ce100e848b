#!/usr/bin/env bats
# The thread module: pthreads are green threads of one hub; their sync objects behave as natively.

setup() { load helpers; }

same_as_native() { # PROG [ARGS]: output under the preload equals the native output
  expected=$(native "$@")
  run gp "$@"
  assert_success
  assert_output "$expected"
}

@test "1000 pthreads run on one OS thread (natively 1001)" {
  run gp "$PROGS/sleepers" 1000 50 usleep
  assert_success
  assert_equal "$(field os_threads)" 1
  run native "$PROGS/sleepers" 100 50 usleep
  [ "$(field os_threads)" -ge 101 ]
}

@test "mutexes of every type: results and error codes identical to native" {
  expected=$(native "$PROGS/mutexes" | grep -v '^order=')
  run gp "$PROGS/mutexes"
  assert_success
  assert_equal "$(grep -v '^order=' <<<"$output")" "$expected"
  assert_line "order=01234567" # FIFO hand-off to the waiters, in arrival order
}

@test "condition variables: producer/consumer, timed waits on both clocks, signal and broadcast" {
  same_as_native "$PROGS/condvar"
  assert_line "after broadcast: 10 woken"
}

@test "pthread_once runs a sleeping init once; keys and their destructor rounds" {
  same_as_native "$PROGS/once_keys"
  assert_line "init ran 1 time(s), early returns 0"
}

@test "join values, detach, pthread_equal, join of self" {
  same_as_native "$PROGS/exit_paths" return-value
}

@test "pthread_exit from main keeps the process alive until the last thread, status 0" {
  run gp "$PROGS/exit_paths" main-pthread-exit
  assert_success
  assert_line "thread 2 done"
}

@test "exit() from a thread ends the process with its status" {
  run gp "$PROGS/exit_paths" thread-exit
  assert_failure 3
  refute_output --partial "not reached"
}

@test "a sched_yield loop does not starve a socket reader" {
  run gp "$PROGS/yield_starve"
  assert_success
  assert_output --partial "spinner yielded yes, os_threads=1"
}

@test "pthread_attr stack size and a program-provided stack are honoured" {
  run gp "$PROGS/stacks"
  assert_success
  assert_output "deep recursion in 8 MiB: ok; own stack used: yes; small default: ok"
}

@test "mutex+condvar ping-pong between two threads keeps working over 100,000 hand-offs" {
  run gp "$BENCH/handoff" 100000
  assert_success
  assert_output --partial "ops=200000"
}

@test "THREAD=0: 2000 native threads that sleep and read leave no descriptor behind" {
  run env GREENPATCH_THREAD=0 LD_PRELOAD="$GP_LIB" timeout 30 "$PROGS/native_churn"
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
