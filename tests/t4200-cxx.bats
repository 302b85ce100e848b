#!/usr/bin/env bats
# C++ programs: std::thread and the C++20 synchronisation library (libstdc++), unmodified, under
# the preload. Each test runs some parts of a cxx_* program natively and under the preload: the
# outputs are equal but for the last line, os_threads=N (natively more than 1, under the preload
# exactly 1). A wait that never ends in a program prints "watchdog: PART: ..." and exits 3.
# libstdc++ builds mutexes, condition variables, shared mutexes and call_once on pthreads, but
# waits for futures, semaphores, latches, barriers and atomic waits with syscall(SYS_futex).

load helpers

# cxx PROG PART...: the parts natively and under the preload; $output is the preloaded run's.
cxx() {
  local prog="$PROGS/$1" expected native_threads
  shift
  run native "$prog" "$@"
  assert_success
  expected=$(grep -v '^os_threads=' <<<"$output")
  native_threads=$(field os_threads)
  assert_ge "$native_threads" 2
  run gp "$prog" "$@"
  assert_equal "$(grep -v '^os_threads=' <<<"$output")" "$expected"
  assert_success
  assert_equal "$(field os_threads)" 1
}

@test "std::thread: 500 threads alive at once on one OS thread, each sleeping 200 ms, distinct ids" {
  cxx cxx_threads many
  assert_line "500 threads: sum 124750 (expected 124750), alive at once 500, distinct ids 500, joinable after join 0"
  assert_line "500 sleeps of 200 ms took under 3 s: 1"
  assert_line "main's id differs from every thread's: 1"
}

@test "__libc_single_threaded is cleared by the first std::thread (libstdc++ skips synchronisation while it is set)" {
  cxx cxx_threads single_threaded
  assert_line "__libc_single_threaded: 1 before the first thread, 0 while it runs, 0 after it ended"
}

@test "std::thread: detach, this_thread::sleep_until, exceptions caught in 100 threads and rethrown in main" {
  cxx cxx_threads detach sleep_until exceptions
  assert_line "detached thread ran: 1"
  assert_line "sleep_until 100 ms: woke at or after the deadline 1"
  assert_line "exceptions: 100 of 100 caught in their own threads, rethrown in main: 'boom 7'"
}

@test "std::mutex: 50 threads, holders sleeping, no overlap; try_lock while another thread holds it" {
  cxx cxx_locks mutex
  assert_line "mutex: counter 5000 (expected 5000), overlapping critical sections 0"
  assert_line "mutex: try_lock by another thread while held: 0"
}

@test "std::scoped_lock of two mutexes taken in opposite orders by 20 threads (std::lock's back-off)" {
  cxx cxx_locks scoped_lock
  assert_line "scoped_lock of two mutexes in opposite orders: 2000 (expected 2000)"
}

@test "std::recursive_mutex: depth 3, excludes the other threads until the last unlock" {
  cxx cxx_locks recursive_mutex
  assert_line --partial "recursive_mutex: counter 10 (expected 10), overlaps 0, owner try_lock at depth 3: 1, another thread's try_lock while held: 0, after the last unlock: 1"
}

@test "std::timed_mutex: try_lock_for times out while another thread holds it (the others run meanwhile)" {
  cxx cxx_locks timed_mutex
  assert_line "timed_mutex: try_lock_for 100 ms while another thread holds it: 0, waited>=95 1, other threads ran meanwhile 1"
  assert_line "timed_mutex: try_lock_for 5 s got it when the holder released it: 1, before 3 s 1"
  assert_line "timed_mutex: try_lock_until 50 ms by another thread while main holds it: 0"
  assert_line "recursive_timed_mutex: owner again 1, another thread's try_lock_for 50 ms 0"
}

@test "std::condition_variable: producer/consumer waiting with predicates" {
  cxx cxx_locks condvar
  assert_line "condition_variable producer/consumer: sum 500500 (expected 500500)"
}

@test "std::condition_variable: wait_for times out (the others run meanwhile)" {
  cxx cxx_locks condvar_wait_for
  assert_line "condition_variable wait_for 100 ms, predicate false: returned 0, waited>=95 1, other threads ran meanwhile 1, mutex held after 1"
  assert_line "condition_variable wait_for 30 ms, no notify: timeout 1, waited>=25 1"
}

@test "std::condition_variable: notify_one wakes one of 10 waiters, notify_all all of them" {
  cxx cxx_locks condvar_notify
  assert_line "condition_variable: 10 waiting; notify_one with 1 token: 1 woken; notify_one with 9 tokens: 2 woken; notify_all: 10 woken"
}

@test "std::shared_mutex: 10 readers together, writers alone; std::shared_timed_mutex timeouts" {
  cxx cxx_locks shared_mutex shared_timed_mutex
  assert_line "shared_mutex: readers at once 10 of 10, writer try_lock while they read 0, writers overlapping readers 0, writers overlapping writers 0, reads 10 writes 3"
  assert_line "shared_mutex: try_lock_shared by another thread while main writes: 0"
  assert_line "shared_timed_mutex: try_lock_for 50 ms while a reader holds it: 0, waited>=45 1; try_lock_shared_for: 1; try_lock_for 5 s after the reader leaves: 1, before 3 s 1"
}

@test "std::call_once from 10 threads runs a sleeping callable once" {
  cxx cxx_locks call_once
  assert_line "call_once from 10 threads: ran 1 time(s), 10 of 10 threads saw its result"
}

@test "std::call_once whose callable throws leaves the flag unset: the next call runs it" {
  cxx cxx_locks call_once_throwing
  assert_line "call_once: a throwing call propagated 1, the next call ran it again: attempts 2 (expected 2)"
}

@test "std::async(launch::async): 20 tasks sleeping together, an exception carried by get" {
  cxx cxx_futures async
  assert_line "async: 20 tasks, sum 2470 (expected 2470), all within 1.5 s 1"
  assert_line "async: exception rethrown by get: 'async boom'"
}

@test "std::promise/std::future: wait_for times out (the others run meanwhile), get after set_value" {
  cxx cxx_futures promise
  assert_line "future wait_for 50 ms before set_value: timeout 1, waited>=45 1, other threads ran meanwhile 1"
  assert_line "future get after set_value from another thread: 7, valid after get 0"
}

@test "std::shared_future waited on by 5 threads; a promise<void> as a start signal for 10" {
  cxx cxx_futures shared_future start_signal
  assert_line "shared_future: 5 of 5 waiting threads got 99"
  assert_line "promise<void> start signal: 0 started before it, 10 after, 0 early"
}

@test "std::promise: set_exception from another thread, broken promise; std::packaged_task" {
  cxx cxx_futures set_exception broken_promise packaged_task
  assert_line "promise set_exception from another thread: get threw 'late failure'"
  assert_line "promise destroyed in another thread without a value: broken_promise"
  assert_line "packaged_task run by another thread: 'xxxxx'"
}

@test "std::counting_semaphore producer/consumer, std::binary_semaphore ping-pong" {
  cxx cxx_semaphore producer_consumer ping_pong
  assert_line "counting_semaphore producer/consumer: sum 500500 (expected 500500)"
  assert_line "binary_semaphore ping-pong: 1000 rounds (expected 1000)"
}

@test "std::counting_semaphore<3> lets at most 3 of 12 sleeping threads in at once" {
  cxx cxx_semaphore limit
  assert_line "counting_semaphore<3>: 12 threads done 12, at most 3 inside at once"
}

@test "std::counting_semaphore: try_acquire, try_acquire_for timing out (the others run meanwhile) or getting a late release" {
  cxx cxx_semaphore try_acquire try_acquire_for
  assert_line "try_acquire with 1 unit: 1, then with none: 0; by another thread after a release: 1"
  assert_line "try_acquire_for 100 ms on an empty semaphore: 0, waited>=95 1, other threads ran meanwhile 1"
  assert_line "try_acquire_for 3 s, released by another thread after 50 ms: 1, waited>=45 1, before 1.5 s 1"
}

@test "std::latch: main waits for 10 count_downs; 10 threads meet at arrive_and_wait" {
  cxx cxx_latch_barrier latch_wait latch_arrive_and_wait
  assert_line "latch: try_wait before 0; wait returned after 10 of 10 count_downs, try_wait after 1"
  assert_line "latch arrive_and_wait: 10 of 10 threads saw all 10 arrived"
}

@test "std::barrier of 5 threads with a completion function, 4 phases" {
  cxx cxx_latch_barrier barrier
  assert_line "barrier of 5, 4 phases: completion ran 8 times (expected 8), consistent after each phase 20 of 20"
}

@test "std::barrier: arrive_and_drop" {
  cxx cxx_latch_barrier barrier_drop
  assert_line "barrier arrive_and_drop after one phase: the other 2 threads went through 8 phases (expected 8)"
}

@test "std::atomic<int>::wait: notify_all releases 10 waiters, notify_one one of 5" {
  cxx cxx_atomic_wait notify_all notify_one
  assert_line "atomic wait/notify_all: 0 returned before the store, 10 of 10 after, 10 saw the new value"
  assert_line "atomic notify_one: some of 5 waiters returned 1; after notify_all 5"
}

@test "std::atomic<int>::wait ping-pong, std::atomic_flag::wait" {
  cxx cxx_atomic_wait ping_pong flag
  assert_line "atomic ping-pong: 300 turns (expected 300)"
  assert_line "atomic_flag wait/notify_all: 3 of 3 waiters saw it set"
}

@test "std::atomic<int>::wait for a store 200 ms away lets the other threads run" {
  cxx cxx_atomic_wait heartbeat
  assert_line "atomic wait for a store 200 ms later: value 5, waited>=150 1, other threads ran meanwhile 1"
}

@test "std::jthread: request_stop ends 10 polling threads, stop_callbacks run, destructors join" {
  cxx cxx_jthread request_stop
  assert_line "jthread: 10 of 10 stopped by request_stop (10 iterated at least once), stop_callbacks run 10"
}

@test "std::condition_variable_any wait_for with a stop_token ends at request_stop" {
  cxx cxx_jthread condvar_any
  assert_line "condition_variable_any wait_for 5 s ended by request_stop: returned 0, within 3 s 1"
}
