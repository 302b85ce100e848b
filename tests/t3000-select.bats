#!/usr/bin/env bats
# The select module: select and poll park the green thread and return the kernel's own answer.

load helpers

@test "poll and select report the full ready set and exact revents, as natively" {
  same_as_native "$PROGS/pollset"
  assert_line "poll full set -> 5: 1 11 0 4 1 20 0"
  assert_line "select full set -> 4: r 1101 w 1 e 0"
  assert_line "100 pairs, one in three ready: poll -> 34, 100 right; select -> 34, 100 right"
}

@test "poll and select timeouts are honoured: nothing ready for 100 ms returns 0 after 100 ms" {
  run gp "$PROGS/pollset"
  assert_success
  assert_line "poll nothing, 100 ms -> 0 revents 0 waited>=90 1"
  assert_line "select nothing, 100 ms -> 0 set 0 tv 0.000000"
  assert_line "select until another thread writes -> 1: 0 1, time left > 4 s 1"
}

@test "a heartbeat keeps ticking while another thread waits 300 ms in poll, and in select" {
  for what in poll300 select300; do
    run gp "$PROGS/heartbeat" "$what"
    assert_success
    assert_equal "$(field result)" 0 # the timeout, as natively
    assert_ge "$(field took_ms)" 290
    assert_ge "$(field ticks_during)" 10 # of about 30
    assert_lt "$(field max_gap_ms)" 200 # blocked, the gap would be 300 ms
    assert_equal "$(field os_threads)" 1
  done
}

@test "GREENPATCH_SELECT=0: poll and select block the hub" {
  for what in poll300 select300; do
    run gp_env GREENPATCH_SELECT=0 "$PROGS/heartbeat" "$what"
    assert_success
    assert_equal "$(field result)" 0
    assert_lt "$(field ticks_during)" 3
  done
}

@test "1000 threads sleeping in poll(NULL, 0, 100) and select() finish together on one OS thread" {
  for how in poll select; do
    run gp "$PROGS/sleepers" 1000 100 "$how"
    assert_success
    assert_equal "$(field os_threads)" 1
    assert_lt "$(field elapsed_ms)" 1000
  done
}

@test "an epoll event loop in each of 4 threads, on one OS thread; epoll_wait errors as natively" {
  same_as_native "$PROGS/epoll_loops"
  assert_line "events delivered 12 of 12, heartbeat kept ticking 1"
}

@test "GREENPATCH_SELECT=0: the first thread in epoll_wait stops the others" {
  run timeout 3 env GREENPATCH_SELECT=0 LD_PRELOAD="$GP_PRELOAD" "$PROGS/epoll_loops"
  assert_failure 124
}
