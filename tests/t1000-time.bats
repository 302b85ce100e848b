#!/usr/bin/env bats
# The time module: sleeps park one green thread, not the OS thread.

load helpers

@test "1000 threads sleeping 100 ms finish in well under 1 s on one OS thread" {
  run gp "$PROGS/sleepers" 1000 100 usleep
  assert_success
  assert_equal "$(field os_threads)" 1
  assert_lt "$(field elapsed_ms)" 1000
  assert_ge "$(field elapsed_ms)" 99
}

@test "the same 100 sleepers natively need 101 OS threads (what the preload saves)" {
  run native "$PROGS/sleepers" 100 100 usleep
  assert_success
  assert_ge "$(field os_threads)" 101
}

@test "every sleep call is green: nanosleep, clock_nanosleep relative and TIMER_ABSTIME on both clocks" {
  for how in nanosleep clock_rel clock_abs clock_absmono; do
    run gp "$PROGS/sleepers" 500 100 "$how"
    assert_success
    assert_equal "$(field os_threads)" 1
    assert_lt "$(field elapsed_ms)" 1000
    assert_ge "$(field elapsed_ms)" 99
  done
}

@test "sleep(1) in 200 threads takes about 1 s, not 200 s" {
  run gp "$PROGS/sleepers" 200 1000 sleep
  assert_success
  assert_equal "$(field os_threads)" 1
  assert_lt "$(field elapsed_ms)" 3000
  assert_ge "$(field elapsed_ms)" 999
}

@test "sleepers wake earliest deadline first, whatever sleep call each one made" {
  run gp "$PROGS/sleep_order"
  assert_success
  assert_line "woke: 19 18 17 16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0"
  assert_line "os_threads=1"
}

@test "a heartbeat thread keeps ticking every 10 ms while another thread sleeps 1 s" {
  run gp "$PROGS/heartbeat" sleep1
  assert_success
  assert_equal "$(field result)" 0
  assert_equal "$(field os_threads)" 1
  assert_lt "$(field max_gap_ms)" 250 # blocked, the gap would be 1000 ms
  assert_ge "$(field ticks_during)" 30 # of about 100
  assert_ge "$(field took_ms)" 999
}

@test "a heartbeat keeps ticking while another thread is in nanosleep 300 ms" {
  run gp "$PROGS/heartbeat" nanosleep300
  assert_success
  assert_equal "$(field result)" 0
  assert_ge "$(field ticks_during)" 10 # of about 30
  assert_lt "$(field max_gap_ms)" 200
}

@test "GREENPATCH_TIME=0 with green threads: a sleep blocks every green thread of the hub" {
  run gp_env GREENPATCH_TIME=0 "$PROGS/sleepers" 10 100 usleep
  assert_success
  assert_equal "$(field os_threads)" 1
  assert_ge "$(field elapsed_ms)" 900 # ten 100 ms sleeps one after the other
  run gp_env GREENPATCH_TIME=0 "$PROGS/heartbeat" nanosleep300
  assert_success
  assert_lt "$(field ticks_during)" 3
}

@test "GREENPATCH_TIME=0, GREENPATCH_THREAD=0: native threads sleep side by side again" {
  run gp_env GREENPATCH_TIME=0 GREENPATCH_THREAD=0 "$PROGS/sleepers" 10 100 usleep
  assert_success
  assert_ge "$(field os_threads)" 11
  assert_lt "$(field elapsed_ms)" 900
}

@test "a timed wait that ended early leaves no stale timeout behind (recv, accept, poll, select, cond, mutex)" {
  same_as_native "$PROGS/stale_timers"
  refute_output --partial " 0"
  assert_equal "${#lines[@]}" 6
}

@test "bad arguments give the native errors" {
  same_as_native "$PROGS/sleep_errors"
}

@test "a signal handler cuts sleeps short with EINTR and the time left, as natively" {
  same_as_native "$PROGS/sleep_signal"
  assert_line "usleep: -1 Interrupted system call"
  assert_line "alarms 5, all within 3 s: 1"
}
