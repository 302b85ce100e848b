#!/usr/bin/env bats
# The select module: select and poll park the green thread and return the kernel's own answer.

setup() { load helpers; }

@test "poll and select report the full ready set and exact revents, as natively" {
  expected=$(native "$PROGS/pollset")
  run gp "$PROGS/pollset"
  assert_success
  assert_output "$expected"
  assert_line "poll full set -> 5: 1 11 0 4 1 20 0"
}

@test "a heartbeat keeps ticking while another thread waits 300 ms in poll, and in select" {
  for what in poll300 select300; do
    run gp "$PROGS/heartbeat" "$what"
    assert_success
    assert_equal "$(field result)" 0
    [ "$(field ticks_during)" -ge 10 ]
    assert_lt "$(field max_gap_ms)" 150
    assert_equal "$(field os_threads)" 1
  done
}

@test "GREENPATCH_SELECT=0: poll blocks the hub" {
  run env GREENPATCH_SELECT=0 LD_PRELOAD="$GP_LIB" timeout 30 "$PROGS/heartbeat" poll300
  assert_success
  assert_lt "$(field ticks_during)" 3
}

@test "1000 threads sleeping in poll(NULL, 0, 100) and select() finish together" {
  for how in poll select; do
    run gp "$PROGS/sleepers" 1000 100 "$how"
    assert_success
    assert_lt "$(field elapsed_ms)" 1000
  done
}

@test "an epoll event loop in each of 4 threads, on one OS thread; epoll_wait errors as natively" {
  expected=$(native "$PROGS/epoll_loops")
  run gp "$PROGS/epoll_loops"
  assert_success
  assert_output "$expected"
  assert_line "events delivered 12 of 12, heartbeat kept ticking 1"
}

@test "GREENPATCH_SELECT=0: the first thread in epoll_wait stops the others" {
  run env GREENPATCH_SELECT=0 LD_PRELOAD="$GP_LIB" timeout 3 "$PROGS/epoll_loops"
  assert_failure 124
}
