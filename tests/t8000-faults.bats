#!/usr/bin/env bats
# Faults, each run natively and under the preload with the outputs compared line for line (the
# programs print return values and errno names, never timings), then the lines that matter
# asserted: resets, half-closes, refused and timed-out connects, running out of descriptors,
# signal storms during I/O, fork in the middle of transfers, threads that cannot get a stack,
# owners that end holding mutexes, descriptor numbers reused under a waiter. The close of a
# descriptor others wait on is in t2000 (closewake).
load helpers

@test "peer reset: a blocked reader gets ECONNRESET, then EOF; a blocked writer its count, then ECONNRESET; as natively" {
  same_as_native "$PROGS/fault_net" reset
  assert_line "blocked read, peer resets: -1 ECONNRESET"
  assert_line "read again: 0"
  assert_line "write after the reset: -1 EPIPE"
  assert_line "blocked write, peer resets: -1 ECONNRESET"
}

@test "half-close: the reader gets the request then EOF, the answer still goes the other way (TCP, unix); as natively" {
  same_as_native "$PROGS/fault_net" halfclose
  assert_line 'server read "request", then 0 (EOF)'
  assert_line "client writes after SHUT_WR: -1 EPIPE"
  assert_line 'client read "answer", then 0 (EOF)'
  [ "$(grep -c 'client read "answer", then 0 (EOF)' <<<"$output")" = 2 ] || fail "$output"
}

@test "connect to a closed port: ECONNREFUSED (blocking, twice on one socket, non-blocking + SO_ERROR, ::1, unix); as natively" {
  same_as_native "$PROGS/fault_net" refused
  assert_line "blocking connect to a closed port: -1 ECONNREFUSED"
  assert_line "connect again: -1 ECONNREFUSED"
  assert_line "SO_ERROR: ECONNREFUSED"
  assert_line "connect to a unix socket that does not listen: -1 ECONNREFUSED"
  assert_line "connect to a missing unix path: -1 ENOENT"
}

@test "connect with SO_SNDTIMEO to a full backlog: EINPROGRESS after the timeout, then EALREADY; as natively" {
  same_as_native "$PROGS/fault_net" sndtimeo
  assert_line "connect with SO_SNDTIMEO 300 ms: -1 EINPROGRESS"
  assert_line "it waited for its timeout: yes"
  assert_line "the same connect again at once: -1 EALREADY"
  assert_line "it waited for its timeout again: yes"
  assert_line "connect without a timeout, the listener accepts 300 ms later: 0"
}

@test "EMFILE at accept: the program gets EMFILE with clients queued, and serves them all once descriptors are free; as natively" {
  same_as_native "$PROGS/fault_net" emfile
  assert_line "accepted 3, then: EMFILE"
  assert_line "then accepted 5 more: 8 served in all"
  assert_line "the clients got 8 answers"
}

@test "every descriptor in use: waits (read, poll, select, sigtimedwait, waitpid) still end as natively and stay green" {
  same_as_native "$PROGS/fault_net" fdlimit
  assert_line "out of descriptors: EMFILE"
  assert_line "read waiting for another thread's write: 1, the heartbeat ticked meanwhile"
  assert_line "sigtimedwait for a signal another thread sends: 10, the heartbeat ticked meanwhile"
  assert_line "waitpid of a child that sleeps 100 ms: 7, the heartbeat ticked meanwhile"
}

@test "a descriptor closed and its number reused before its blocked reader runs: never the new file's bytes" {
  run native "$PROGS/fault_close" reuse_read
  assert_success
  assert_line "A read: 1 the old pipe's byte"
  run gp "$PROGS/fault_close" reuse_read
  assert_success
  assert_line "A read: -1 EBADF" # the old pipe is closed for real: the call ends as at a close
  assert_line "the new pipe holds: 3 bytes"
}

@test "a descriptor closed and its number reused before its blocked writer runs: its bytes never land in the new file" {
  run native "$PROGS/fault_close" reuse_write
  assert_success
  assert_line "the new pipe holds: nothing"
  run gp "$PROGS/fault_close" reuse_write
  assert_success
  assert_line "A write: EBADF"
  assert_line "the new pipe holds: nothing"
}

# storm_part PART: the storm natively and preloaded, every stream intact.
storm_part() {
  same_as_native "$PROGS/fault_signal" "$1"
  [ "$(grep -c 'every byte arrived, in order' <<<"$output")" = 4 ] || fail "$output"
  assert_line "the handler ran at least 100 times: yes"
}

@test "signal storm (SIGUSR1 every ms, SA_RESTART) during socket and pipe I/O: no byte lost, no EINTR; main's poll and nanosleep cut short" {
  storm_part restart
  assert_line "EINTR in reads and writes without a timeout: 0"
  assert_line "main's poll cut short: yes, its nanosleep cut short: yes"
}

@test "signal storm landing in the I/O threads (SA_RESTART): no byte lost, EINTR only on sockets with timeouts" {
  storm_part workers
  assert_line "EINTR in reads and writes without a timeout: 0"
}

@test "signal storm without SA_RESTART: reads and writes may fail with EINTR or come short, no byte lost" {
  storm_part norestart
}

@test "signal storm sent by another process with kill(2): no byte lost, no EINTR" {
  storm_part process
  assert_line "EINTR in reads and writes without a timeout: 0"
}

@test "fork in the middle of transfers: the child works on its copy, the parent's transfers finish intact; as natively" {
  same_as_native "$PROGS/fault_fork"
  assert_line "forked while the transfers were under way: yes"
  [ "$(grep -c 'every byte arrived, in order' <<<"$output")" = 3 ] || fail "$output"
  assert_line "the child echoed the parent's 4 MiB: yes"
  assert_line "the child (echo, its own threads over a new pipe): all went right"
}

@test "pthread_create without address space for a stack: EAGAIN, no crash, and it works again after joins; as natively" {
  same_as_native "$PROGS/fault_thread" stacks
  assert_line "threads with 64 MiB stacks made: some, then pthread_create: EAGAIN"
  assert_line "pthread_create after the joins: 0"
}

@test "GREENPATCH_STACK_SIZE=4g under a 1 GiB address-space margin: pthread_create says EAGAIN" {
  run native "$PROGS/fault_thread" default_stack
  assert_success
  assert_output "pthread_create with the default stack: 0"
  run gp "$PROGS/fault_thread" default_stack
  assert_output "pthread_create with the default stack: 0"
  run gp_env GREENPATCH_STACK_SIZE=4g "$PROGS/fault_thread" default_stack
  assert_success
  assert_output "pthread_create with the default stack: EAGAIN"
}

@test "a thread ends holding mutexes: robust gives EOWNERDEAD, normal waiters wait on, timedlock times out; as natively" {
  same_as_native "$PROGS/fault_thread" owner_dies
  assert_line "blocked on the robust mutex: EOWNERDEAD"
  assert_line "the next lock of the robust mutex: 0"
  assert_line "timedlock of the normal mutex: ETIMEDOUT"
  assert_line "trylock of the normal mutex: EBUSY"
  assert_line "unlock of the error-checking mutex by another thread: EPERM"
  assert_line "the thread blocked on the normal mutex still waits: yes"
}
