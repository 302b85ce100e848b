#!/usr/bin/env bats
# The socket module: blocking socket calls park one green thread; every result is the native one.

load helpers

teardown() {
  stop "${SERVER_PID:-}"
  stop "${CAT_PID:-}"
}

@test "300 client threads and a thread-per-connection server in one process, on one OS thread" {
  run gp "$PROGS/echo_mt" 300
  assert_success
  assert_output "clients=300 bad=0 peak_os_threads=1"
}

@test "the same echo program natively: as many OS threads as connections" {
  run native "$PROGS/echo_mt" 50
  assert_success
  assert_equal "$(field bad)" 0
  assert_ge "$(field peak_os_threads)" 50
}

@test "socket semantics are identical to the native run (O_NONBLOCK view, timeouts, errors, transfers)" {
  same_as_native "$PROGS/sock_semantics"
  assert_line "F_GETFL O_NONBLOCK (fresh)           -> 0"
  assert_line "read with O_NONBLOCK, empty          -> -1 Resource temporarily unavailable"
  assert_line "recv after FIONBIO on, empty         -> -1 Resource temporarily unavailable"
  assert_line "read with SO_RCVTIMEO, nothing comes -> -1 Resource temporarily unavailable"
  assert_line "non-blocking connect: 0 or EINPROGRESS -> 1"
  assert_line "...revents POLLOUT                   -> 4"
  assert_line "connect to a closed port             -> -1 Connection refused"
  assert_line "readv                                -> 7"
  assert_line "recvmsg                              -> 7"
  assert_line "write 4 MiB                          -> 4194304"
}

@test "several threads blocked in accept() on one socket share the connections fairly" {
  run gp "$PROGS/acceptors" 20
  assert_success
  assert_equal "$(field accepted)" 200
  assert_equal "$(field idle)" 0
  assert_equal "$(field os_threads)" 1
  assert_lt "$(field max)" 21
}

@test "8 threads blocked in read() on one socket: one write of 8 bytes gives each its byte" {
  same_as_native "$PROGS/sock_sharing" readers
  assert_output "8 readers blocked on one socket, one write of 8 bytes: 8 got a byte, 8 distinct"
}

@test "one socket, one thread blocked reading it and one blocked writing 4 MiB to it: both complete" {
  same_as_native "$PROGS/sock_sharing" duplex
  assert_output "one socket, a blocked reader and a blocked writer: wrote 4194304, peer got 4194304, reader got the answer"
}

@test "dup'd descriptors share the open file's O_NONBLOCK: set through one, obeyed through the other" {
  same_as_native "$PROGS/sock_sharing" nonblock
  assert_line "O_NONBLOCK set on the original: seen through the dup 1"
  assert_line "read on the dup, empty                       -> -1 Resource temporarily unavailable"
}

@test "dup'd descriptors share the socket's SO_RCVTIMEO, whichever one it was set through" {
  same_as_native "$PROGS/sock_sharing" timeout
  assert_line "SO_RCVTIMEO set on the original, read the dup -> -1 Resource temporarily unavailable, in time"
  assert_line "SO_RCVTIMEO set on a dup, read the original  -> -1 Resource temporarily unavailable, in time"
}

@test "dup2 and dup3 onto a descriptor already waited on: the next wait is on the new socket" {
  same_as_native "$PROGS/sock_sharing" dup2
  assert_line "after dup2 of B onto fd: blocking read       -> 2 b1"
  assert_line "after dup3 of C onto fd: blocking read       -> 2 c1"
  assert_line "fd still C after the failed dup2             -> 2 c2"
}

@test "closing one descriptor of a socket does not disturb a read blocked on another one" {
  same_as_native "$PROGS/sock_sharing" close
  assert_output "read on the original, its dup closed         -> got the byte
read on the dup, the original closed         -> got the byte"
}

@test "close() of a socket others wait on (read, accept, write, poll, select, epoll_wait) wakes them; a reused number is not woken" {
  run gp "$PROGS/closewake"
  assert_success
  assert_output "reader 0: Bad file descriptor
reader 1: Bad file descriptor
reader 2: Bad file descriptor
acceptor: Bad file descriptor
writer: Bad file descriptor
poll: 1 POLLNVAL
select: -1 Bad file descriptor
epoll_wait (its instance closed): -1 Bad file descriptor
epoll_wait (its socket closed): 0 
fd reused: yes
new reader: got its byte"
}

@test "UDP on 127.0.0.1 and ::1, datagram socketpairs, MSG_PEEK, EOF, shutdown, SCM_RIGHTS, accept4: as natively" {
  same_as_native "$PROGS/sock_more"
  assert_line "udp 127.0.0.1: blocking recvfrom -> 8 datagram, sender's family ok 1"
  assert_line "blocked accept, shutdown(listening socket)     -> -1 Invalid argument"
  assert_line "blocking read on the received descriptor -> 3 via"
}

@test "large-file builds (fcntl64): O_NONBLOCK view and a blocking accept, as natively" {
  run nm "$PROGS/fcntl64"
  assert_output --partial fcntl64
  same_as_native "$PROGS/fcntl64"
  assert_line "listening: O_NONBLOCK 0"
  assert_line "accept, none pending: -1 Resource temporarily unavailable"
}

@test "fortified entry points (__read_chk, __recv_chk, __recvfrom_chk) are green" {
  run nm "$PROGS/fortified"
  assert_output --partial __read_chk
  assert_output --partial __recv_chk
  assert_output --partial __recvfrom_chk
  run gp "$PROGS/fortified"
  assert_success
  assert_output "fortified reads ok=1 os_threads=1"
}

@test "a recv with SO_RCVTIMEO and an accept with SO_RCVTIMEO time out without stopping other threads" {
  for what in recv300 accept300; do
    run gp "$PROGS/heartbeat" "$what"
    assert_success
    assert_equal "$(field result)" -11 # -EAGAIN, as natively
    assert_ge "$(field took_ms)" 290
    assert_ge "$(field ticks_during)" 10
    assert_lt "$(field max_gap_ms)" 200
  done
  run native "$PROGS/heartbeat" recv300
  assert_equal "$(field result)" -11
}

@test "SO_RCVTIMEO edge values: rejected settings keep the old timeout, 0 waits for ever, negative fails at once" {
  same_as_native "$PROGS/rcvtimeo_edges"
  assert_line "read (200 ms kept)                       -> Resource temporarily unavailable, in under 1 s"
  assert_line "read (no timeout)                        -> got the late byte, in under 1 s"
  assert_line "read (negative timeout)                  -> Resource temporarily unavailable, at once"
}

@test "inherited stdin/stdout socket and listening socket are never left O_NONBLOCK" {
  run native "$PROGS/inherit_check" "$PROGS/inherit_child"
  assert_output --partial "exit=0 stdin_nonblock=0 listen_nonblock=0"
  INHERIT_PRELOAD="$GP_PRELOAD" run native "$PROGS/inherit_check" "$PROGS/inherit_child"
  assert_success
  assert_line "child said: hello"
  assert_line "exit=0 stdin_nonblock=0 listen_nonblock=0"
}

@test "inherited sockets are not O_NONBLOCK while the program waits on them, nor after SIGKILL" {
  INHERIT_PRELOAD="$GP_PRELOAD" run native "$PROGS/inherit_check" -k "$PROGS/inherit_child"
  assert_success
  assert_output "killed=1 during: stdin_nonblock=0 listen_nonblock=0 after: stdin_nonblock=0 listen_nonblock=0"
}

@test "stdin and stdout pipes of the shell: flags unchanged during the run, after exit and after SIGKILL" {
  mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
  exec {in}<>"$BATS_TEST_TMPDIR/in" {out}<>"$BATS_TEST_TMPDIR/out"
  # cat blocks reading the empty pipe: a green read with the os module (the test's timeout and
  # teardown bound it; no `timeout` wrapper, so that CAT_PID is cat itself)
  LD_PRELOAD="$GP_PRELOAD" cat <&$in >&$out 3>&- &
  CAT_PID=$!
  echo hello >&$in
  read -r -t 10 line <&$out
  assert_equal "$line" hello
  assert_equal "$(nonblock_flag 0 "$CAT_PID")$(nonblock_flag 1 "$CAT_PID")" 00
  assert_equal "$(nonblock_flag "$in")$(nonblock_flag "$out")" 00
  kill -KILL "$CAT_PID"
  wait "$CAT_PID" || true
  CAT_PID=
  assert_equal "$(nonblock_flag "$in")$(nonblock_flag "$out")" 00
  # a normal end: cat reads an anonymous pipe to EOF and writes to the FIFO this shell shares
  echo bye | LD_PRELOAD="$GP_PRELOAD" timeout 30 cat >&$out
  read -r -t 10 line <&$out
  assert_equal "$line" bye
  assert_equal "$(nonblock_flag "$in")$(nonblock_flag "$out")" 00
  exec {in}>&- {out}>&-
}

@test "GREENPATCH_SOCKET=0: a blocked read blocks every green thread" {
  run gp_env GREENPATCH_SOCKET=0 "$PROGS/heartbeat" recv300
  assert_success
  assert_equal "$(field result)" -11
  assert_lt "$(field ticks_during)" 3
}

@test "GREENPATCH_SOCKET=0: socket results are still the native ones" {
  expected=$(native "$PROGS/sock_semantics")
  run gp_env GREENPATCH_SOCKET=0 GREENPATCH_THREAD=0 "$PROGS/sock_semantics"
  assert_success
  assert_output "$expected"
}

@test "the bundled legacy echo server under the preload: 200 clients, every byte checked, 1 OS thread" {
  [[ -x "$BENCH/legacy_echo_server" && -x "$BENCH/echo_client" ]] || skip "build/bench/legacy_echo_server or echo_client not built"
  pf="$BATS_TEST_TMPDIR/port"
  # no `timeout` wrapper: SERVER_PID must be the server itself; teardown stops it
  LD_PRELOAD="$GP_PRELOAD" "$BENCH/legacy_echo_server" 0 "$pf" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
  SERVER_PID=$!
  wait_for_file "$pf" || fail "the server published no port"
  run timeout 60 "$BENCH/echo_client" "$(cat "$pf")" 200 20 512 "$SERVER_PID"
  assert_success
  assert_equal "$(field errors)" 0
  assert_equal "$(field bytes_verified)" $((200 * 20 * 512))
  assert_equal "$(field server_threads_max)" 1
  assert_equal "$(os_threads "$SERVER_PID")" 1
  kill -TERM "$SERVER_PID" # its handler reports the count and exits
  wait "$SERVER_PID" || true
  SERVER_PID=
  run cat "$BATS_TEST_TMPDIR/err"
  assert_output "legacy_echo_server: served=200"
}

@test "a daemon closing every descriptor (closefrom, close_range) keeps working, as natively" {
  same_as_native "$PROGS/closefrom_daemon"
  assert_line "again fds 3 4, round trip 1"
}
