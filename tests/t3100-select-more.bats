#!/usr/bin/env bats
# The select module, second part: the calls with a signal mask (pselect, ppoll, epoll_pwait,
# epoll_pwait2), the fortified __poll_chk/__ppoll_chk, select above FD_SETSIZE, the exact revents
# of hang-ups, errors, closed descriptors, peer shutdowns and urgent data, and a poll over 1000
# idle pipes. Every program is run natively and preloaded, outputs compared (the asserted lines are
# the native ones: Linux 6.x, glibc 2.36); under the preload a heartbeat thread must keep ticking
# (never 50 ms without a tick) on one OS thread while another thread waits.

load helpers

# The signal-mask lines every mask call prints the same way (the call's name first).
mask_lines() {
  assert_line "$1, a byte ready, mask given -> 1"
  assert_line "$1, nothing ready, 100 ms -> 0, waited>=90 1, timeout argument unchanged 1"
  assert_line "$1, USR2 at 50 ms (the call's mask blocks it), USR1 at 300 ms (the mask unblocks it) -> -1 EINTR, after the USR1 1, usr1 handled 1, usr2 handled 0, usr2 pending 1"
  assert_line "$1, after the call: USR1 blocked again 1, USR2 still blocked 1"
  assert_line "$1, main unblocks USR2: usr2 handled 1, pending 0"
  assert_line "$1, USR1 pending before the call (pending 1) -> -1 EINTR at once 1, usr1 handled 1"
  assert_line "$1, kill(getpid(), USR1) at 200 ms, every other thread blocks it -> -1 EINTR, after the signal 1, usr1 handled 1"
  assert_line "$1, main unblocks USR1, the call's mask blocks it, USR1 at 100 ms, a byte at 300 ms -> 1, after the byte 1, handled by the time the result is seen 1"
}

mask_green() {
  run gp "$PROGS/sel_mask" "$1"
  hb_ok usr1-during-wait 10
  hb_ok process-usr1 8
  hb_ok mask-blocks-usr1 10
}

@test "pselect with a mask: the mask's unblocked signal ends the wait with EINTR after its handler, a blocked one stays pending" {
  same_as_native_hb "$PROGS/sel_mask" pselect
  mask_lines pselect
}

@test "ppoll with a mask: EINTR for the signal the mask lets through, pending for the one it blocks" {
  same_as_native_hb "$PROGS/sel_mask" ppoll
  mask_lines ppoll
}

@test "epoll_pwait with a mask: EINTR for the signal the mask lets through, pending for the one it blocks" {
  same_as_native_hb "$PROGS/sel_mask" epoll_pwait
  mask_lines epoll_pwait
}

@test "epoll_pwait2 with a mask: EINTR for the signal the mask lets through, pending for the one it blocks" {
  same_as_native_hb "$PROGS/sel_mask" epoll_pwait2
  mask_lines epoll_pwait2
}

@test "pselect and ppoll with a mask are green: a heartbeat ticks on one OS thread while main waits" {
  mask_green pselect
  mask_green ppoll
}

@test "epoll_pwait and epoll_pwait2 with a mask are green: a heartbeat ticks on one OS thread while main waits" {
  mask_green epoll_pwait
  mask_green epoll_pwait2
}

@test "the fortified doors __poll_chk and __ppoll_chk: results as natively, green waits" {
  nm -D "$PROGS/sel_fortify" | grep -q ' U __poll_chk@' || fail "sel_fortify does not call __poll_chk"
  nm -D "$PROGS/sel_fortify" | grep -q ' U __ppoll_chk@' || fail "sel_fortify does not call __ppoll_chk"
  same_as_native_hb "$PROGS/sel_fortify" waits
  assert_line "__poll_chk, a byte at 300 ms -> 1 revents 1 0, after the byte 1"
  assert_line "__poll_chk, nothing ready, 100 ms -> 0 revents 0, waited>=90 1"
  assert_line "__ppoll_chk, a byte at 300 ms -> 1 revents 1, after the byte 1, timeout unchanged 1"
  run gp "$PROGS/sel_fortify" waits
  hb_ok __poll_chk 10
  hb_ok __ppoll_chk 10
}

@test "__poll_chk with fdslen too small for nfds aborts with glibc's message, as natively" {
  run native "$PROGS/sel_fortify" overflow
  assert_failure 134
  assert_output --partial "*** buffer overflow detected ***: terminated"
  run gp "$PROGS/sel_fortify" overflow
  assert_failure 134
  assert_output --partial "*** buffer overflow detected ***: terminated"
  refute_output --partial "did not abort"
}

@test "select with nfds above FD_SETSIZE (fd 1500, heap-allocated sets): results as natively" {
  same_as_native_hb "$PROGS/sel_bigfd"
  assert_line "select nfds 1502, read {1500} write {1501}, no wait -> 1: read 0 write 1, bits set 1"
  assert_line "select nfds 1501, read {1500}, nothing ready, 100 ms -> 0, bits set 0, tv 0.000000, waited>=90 1"
  assert_line "select nfds 1501, read {1500}, a byte at 300 ms -> 1: read 1, bits set 1, after the byte 1, tv left 2-3 s 1"
  assert_line "select nfds 1501, read {1500, 1700 (>= nfds)}, data ready -> 1: read 1, 1700 1"
  assert_line "select nfds 1601, read {1500, 1600 (not open)} -> -1 EBADF"
  assert_line "pselect nfds 1501, read {1500}, a byte at 300 ms -> 1: read 1, bits set 1, after the byte 1"
}

@test "select and pselect with nfds above FD_SETSIZE are green: a heartbeat ticks on one OS thread" {
  run gp "$PROGS/sel_bigfd"
  hb_ok select-1501 10
  hb_ok pselect-1501 10
}

@test "exact revents of POLLHUP, POLLERR, POLLNVAL, POLLRDHUP, POLLPRI, POLLOUT ending a wait; select and epoll agree" {
  same_as_native_hb "$PROGS/sel_revents"
  assert_line "pipe, the write end closed: poll(1) -> 1 revents 10, woken by it 1"
  assert_line "unix stream, the peer closed: poll(2001) -> 1 revents 2011, woken by it 1"
  assert_line "tcp, the peer shut down writing: poll(2001) -> 1 revents 2001, woken by it 1"
  assert_line "tcp, we shut down writing, then the peer closes: poll(1) -> 1 revents 11, woken by it 1"
  assert_line "tcp, the peer reset the connection: poll(1) -> 1 revents 19, woken by it 1"
  assert_line "  then read -> -1 ECONNRESET, and again -> 0"
  assert_line "udp, a datagram to a closed port: poll(1) -> 1 revents 8, woken by it 1"
  assert_line "  then read -> -1 ECONNREFUSED, and again -> -1 EAGAIN"
  assert_line "pipe, full, then the read end closed: poll(4) -> 1 revents 8, woken by it 1"
  assert_line "tcp, urgent data: poll(3) -> 1 revents 2, woken by it 1"
  assert_line "  select -> 1 r0 w0 e1; epoll_wait -> 1 events 2"
  assert_line "  then recv MSG_OOB -> 1 '!'"
  assert_line "unix stream, full, then the peer drains it: poll(4) -> 1 revents 4, woken by it 1"
  assert_line "a closed fd, events POLLIN, events 0, and fd -1: poll -> 2 revents 20 20 0"
  # Linux's poll is not woken by a close(); its last look, at the timeout, finds the fd gone
  assert_line "a pipe's read end another thread closes during the wait (400 ms timeout): poll -> 1 revents 20, at the timeout 1"
}

@test "the revents waits are green: a heartbeat ticks on one OS thread through all of them" {
  run gp "$PROGS/sel_revents"
  hb_ok revents 50
}

@test "poll on 1000 idle pipes plus one active: only the active one reported, every round; green" {
  same_as_native_hb "$PROGS/sel_manypipes"
  assert_line "poll on 1000 idle pipes + 1, a byte at 200 ms -> 1, only the active one POLLIN 1, after the byte 1"
  assert_line "200 rounds, the writer writes after each poll: every poll -> 1 with only the active pipe ready 1"
  assert_line "all 1001 idle, 100 ms -> 0, waited>=90 1, revents all 0 1"
  assert_line "idle pipe 517's writer closed -> 1, only it POLLHUP 1"
  hb_ok first-wait 10
  hb_ok rounds 0
}
