#!/usr/bin/env bats
# The time module: sleeps park one green thread, not the OS thread.

setup() { load helpers; }

@test "1000 threads sleeping 100 ms finish in well under 1 s on one OS thread" {
  run gp "$PROGS/sleepers" 1000 100 usleep
  assert_success
  assert_equal "$(field os_threads)" 1
  assert_lt "$(field elapsed_ms)" 1000
  [ "$(field elapsed_ms)" -ge 99 ]
}

@test "every sleep call is green: nanosleep, clock_nanosleep relative and TIMER_ABSTIME, select, poll" {
  for how in nanosleep clock_rel clock_abs select poll; do
    run gp "$PROGS/sleepers" 500 100 "$how"
    assert_success
    assert_equal "$(field os_threads)" 1
    assert_lt "$(field elapsed_ms)" 1000
    [ "$(field elapsed_ms)" -ge 99 ]
  done
}

@test "sleep(1) in 200 threads takes about 1 s, not 200 s" {
  run gp "$PROGS/sleepers" 200 1000 sleep
  assert_success
  assert_lt "$(field elapsed_ms)" 3000
}

@test "a heartbeat thread keeps ticking while another thread sleeps 1 s" {
  run gp "$PROGS/heartbeat" sleep1
  assert_success
  assert_equal "$(field result)" 0
  assert_lt "$(field max_gap_ms)" 100
  [ "$(field ticks_during)" -ge 30 ]
  [ "$(field took_ms)" -ge 999 ]
}

@test "GREENPATCH_TIME=0 with green threads: a sleep blocks every green thread of the hub" {
  run env GREENPATCH_TIME=0 LD_PRELOAD="$GP_LIB" timeout 30 "$PROGS/sleepers" 10 100 usleep
  assert_success
  [ "$(field elapsed_ms)" -ge 900 ]
  run env GREENPATCH_TIME=0 LD_PRELOAD="$GP_LIB" timeout 30 "$PROGS/heartbeat" nanosleep300
  assert_success
  assert_lt "$(field ticks_during)" 3
}

@test "bad arguments give the native errors" {
  run gp "$PROGS/sleep_errors"
  assert_success
  native_out=$(native "$PROGS/sleep_errors")
  assert_output "$native_out"
}

@test "a signal handler cuts sleeps short with EINTR and the time left, as natively" {
  expected=$(native "$PROGS/sleep_signal")
  run gp "$PROGS/sleep_signal"
  assert_success
  assert_output "$expected"
  assert_line "usleep: -1 Interrupted system call"
  assert_line "alarms 5, all within 3 s: 1"
}
