#!/usr/bin/env bats
# The socket module: blocking socket calls park one green thread; every result is the native one.

setup() { load helpers; }

@test "300 client threads and a thread-per-connection server in one process, on one OS thread" {
  run gp "$PROGS/echo_mt" 300
  assert_success
  assert_output "clients=300 bad=0 peak_os_threads=1"
}

@test "socket semantics are identical to the native run (O_NONBLOCK view, timeouts, errors, transfers)" {
  expected=$(native "$PROGS/sock_semantics")
  run gp "$PROGS/sock_semantics"
  assert_success
  assert_output "$expected"
  assert_line --partial "read with SO_RCVTIMEO, nothing comes -> -1 Resource temporarily unavailable"
  assert_line --partial "write 4 MiB                          -> 4194304"
}

@test "several threads blocked in accept() on one socket share the connections fairly" {
  run gp "$PROGS/acceptors" 20
  assert_success
  assert_equal "$(field accepted)" 200
  assert_equal "$(field idle)" 0
  assert_equal "$(field os_threads)" 1
  [ "$(field max)" -le 20 ]
}

@test "close() of a socket others are reading wakes them with EBADF; a reused number is not woken" {
  run gp "$PROGS/closewake"
  assert_success
  assert_line "reader 0: Bad file descriptor"
  assert_line "reader 2: Bad file descriptor"
  assert_line "new reader: got its byte"
}

@test "fortified entry points (__read_chk, __recv_chk, __recvfrom_chk) are green" {
  run nm "$PROGS/fortified"
  assert_output --partial __read_chk
  assert_output --partial __recvfrom_chk
  run gp "$PROGS/fortified"
  assert_success
  assert_output "fortified reads ok=1 os_threads=1"
}

@test "a recv with SO_RCVTIMEO and an accept with SO_RCVTIMEO time out without stopping other threads" {
  for what in recv300 accept300; do
    run gp "$PROGS/heartbeat" "$what"
    assert_success
    assert_equal "$(field result)" -11
    [ "$(field ticks_during)" -ge 10 ]
    assert_lt "$(field max_gap_ms)" 150
  done
}

@test "inherited stdin/stdout socket and listening socket are never left O_NONBLOCK" {
  run native "$PROGS/inherit_check" "$PROGS/inherit_child"
  assert_output --partial "exit=0 stdin_nonblock=0 listen_nonblock=0"
  INHERIT_PRELOAD="$GP_LIB" run native "$PROGS/inherit_check" "$PROGS/inherit_child"
  assert_success
  assert_line "child said: hello"
  assert_line "exit=0 stdin_nonblock=0 listen_nonblock=0"
}

@test "GREENPATCH_SOCKET=0: a blocked read blocks every green thread" {
  run env GREENPATCH_SOCKET=0 LD_PRELOAD="$GP_LIB" timeout 30 "$PROGS/heartbeat" recv300
  assert_success
  assert_lt "$(field ticks_during)" 3
}

@test "the bundled legacy echo server under the preload: 200 clients, every byte checked, 1 OS thread" {
  pf="$BATS_TEST_TMPDIR/port"
  LD_PRELOAD="$GP_LIB" "$BENCH/legacy_echo_server" 0 "$pf" 3>&- &
  pid=$!
  for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.05; done
  run timeout 60 "$BENCH/echo_client" "$(cat "$pf")" 200 20 512 "$pid"
  kill "$pid"; wait "$pid" || true
  assert_success
  assert_equal "$(field errors)" 0
  assert_equal "$(field bytes_verified)" $((200 * 20 * 512))
  assert_equal "$(field server_threads_max)" 1
}

@test "a daemon closing every descriptor (closefrom, close_range) keeps working, as natively" {
  expected=$(native "$PROGS/closefrom_daemon")
  run gp "$PROGS/closefrom_daemon"
  assert_success
  assert_output "$expected"
  assert_line "again fds 3 4, round trip 1"
}
