#!/usr/bin/env bats
# The os module, second part: the other descriptors a thread blocks on. A thread blocked reading an
# eventfd, a timerfd, a signalfd, an inotify descriptor, a pseudo-terminal (both sides), a FIFO it
# is opening; stdin and stdout as the test shell gave them (pipes, a terminal). Each program runs
# natively and preloaded, outputs compared (the asserted lines are the native ones); under the
# preload a heartbeat thread must keep ticking (never 50 ms without a tick) on one OS thread while
# the other thread waits (a FIFO's open may go to the tpool: then at most 1 + its size, 4 here),
# and the descriptors' O_NONBLOCK stays what the program set.

load helpers

@test "eventfd: blocked read, semaphore mode, a write blocked on a full counter, eventfd_read; errors as natively" {
  same_as_native_hb "$PROGS/osfd_eventfd"
  assert_line "eventfd(0, 0): O_NONBLOCK 0"
  assert_line "poll of a fresh eventfd -> 1 revents 4"
  assert_line "eventfd read, 5 written at 200 ms -> 8 value 5, after the write 1"
  assert_line "EFD_SEMAPHORE, 3 written at 200 ms: three reads -> 8 1, 8 1, 8 1"
  assert_line "write of 1 to a counter at 2^64-2 -> 8, after the read 1"
  assert_line "eventfd_read, eventfd_write(7) at 200 ms -> 0 value 7"
  assert_line "read of 4 bytes -> -1 EINVAL"
  assert_line "write of 2^64-1 -> -1 EINVAL"
  assert_line "eventfd(0, EFD_NONBLOCK): O_NONBLOCK 1, read when 0 -> -1 EAGAIN"
  assert_line "F_SETFL O_NONBLOCK on the first: read when 0 -> -1 EAGAIN, O_NONBLOCK 1"
  assert_line "after: O_NONBLOCK of the blocking ones 0 0 0"
}

@test "eventfd waits are green: a heartbeat ticks on one OS thread through each" {
  run gp "$PROGS/osfd_eventfd"
  for w in eventfd-read eventfd-semaphore eventfd-write eventfd_read; do hb_ok "$w" 10; done
}

@test "timerfd: a blocked read gets one expiration, poll waits for it; errors as natively" {
  same_as_native_hb "$PROGS/osfd_timerfd"
  assert_line "timerfd_create(CLOCK_MONOTONIC, 0): O_NONBLOCK 0"
  assert_line "timerfd read, armed 200 ms every 200 ms -> 8 expirations 1, at the expiry 1"
  assert_line "poll of a timerfd armed for 200 ms -> 1 revents 1, at the expiry 1; read -> 8 expirations 1"
  assert_line "disarmed: gettime value 0.000000000 interval 0.000000000"
  assert_line "armed 100 ms every 100 ms, read after 250 ms -> 8, at least 2 expirations 1"
  assert_line "read of 4 bytes after an expiry -> -1 EINVAL, then of 8 -> 8 expirations 1"
  assert_line "settime tv_nsec 1000000000 -> -1 EINVAL"
  assert_line "TFD_NONBLOCK: O_NONBLOCK 1, read of a disarmed timer -> -1 EAGAIN"
  assert_line "F_SETFL O_NONBLOCK, read of a disarmed timer -> -1 EAGAIN"
  assert_line "after: O_NONBLOCK 0"
}

@test "timerfd waits are green: a heartbeat ticks on one OS thread through the read and the poll" {
  run gp "$PROGS/osfd_timerfd"
  hb_ok timerfd-read 10
  hb_ok timerfd-poll 10
}

@test "signalfd: a blocked read gets kill, sigqueue and pthread_kill signals with their siginfo; errors as natively" {
  same_as_native_hb "$PROGS/osfd_signalfd"
  assert_line "read, kill(getpid(), SIGUSR1) at 200 ms -> 128: signo 10 code 0 pid ours 1 uid ours 1 int 0"
  assert_line "read, sigqueue(getpid(), SIGRTMIN, 42) at 200 ms -> 128: signo 34 code -1 pid ours 1 uid ours 1 int 42"
  assert_line "read, pthread_kill(reader, SIGUSR2) at 200 ms -> 128: signo 12 code -6 pid ours 1 uid ours 1 int 0"
  # a signal aimed at another thread is not the reader's: only its target sees it
  assert_line "poll in another thread, pthread_kill(main, SIGUSR2) at 100 ms -> 0 revents 0"
  assert_line "then main reads it -> 128: signo 12 code -6 pid ours 1 uid ours 1 int 0"
  assert_line "two pending, read with room for two -> 256: signo 10 then 12"
  assert_line "read with an 8-byte buffer, USR1 pending -> -1 EINVAL"
  assert_line "SFD_NONBLOCK: O_NONBLOCK 1, read with nothing pending -> -1 EAGAIN"
  assert_line "after: O_NONBLOCK 0"
}

@test "signalfd waits are green: a heartbeat ticks on one OS thread through each" {
  run gp "$PROGS/osfd_signalfd"
  for w in signalfd-kill signalfd-sigqueue signalfd-tkill; do hb_ok "$w" 10; done
  hb_ok signalfd-other-thread 20
}

@test "inotify: a blocked read gets the create, close-write and delete events another thread causes" {
  same_as_native_hb "$PROGS/osfd_inotify" "$BATS_TEST_TMPDIR"
  assert_line "inotify_init1(0): O_NONBLOCK 0"
  assert_line "read, the file created at 200 ms -> 32: wd 1 mask 100 cookie 0 len 16 name hello.txt"
  assert_line "read again, the file written and closed at 400 ms -> 32: wd 1 mask 8 cookie 0 len 16 name hello.txt"
  assert_line "FIONREAD after a removal -> 32"
  assert_line "read with a 16-byte buffer -> -1 EINVAL"
  assert_line "read, the file removed at 200 ms -> 32: wd 1 mask 200 cookie 0 len 16 name hello.txt"
  assert_line "IN_NONBLOCK: O_NONBLOCK 1, read with nothing queued -> -1 EAGAIN"
  assert_line "after: O_NONBLOCK 0"
}

@test "inotify waits are green: a heartbeat ticks on one OS thread" {
  run gp "$PROGS/osfd_inotify" "$BATS_TEST_TMPDIR"
  hb_ok inotify-create 20
  hb_ok inotify-unlink 10
}

@test "openpty links without -lutil (glibc 2.34+)" {
  nm -D "$PROGS/osfd_pty" | grep -q ' U openpty@GLIBC_2.34' || fail "osfd_pty does not take openpty from libc"
  ! ldd "$PROGS/osfd_pty" | grep -q libutil
}

@test "a pty: canonical lines (whole, in pieces, split, VEOF), echo, master reads, raw VMIN/VTIME, EIO; as natively" {
  same_as_native_hb "$PROGS/osfd_pty"
  assert_line "openpty: slave ICANON 1 ECHO 1 ONLCR 1, O_NONBLOCK master 0 slave 0, isatty 1, ttyname /dev/pts/ 1"
  assert_line "slave read, canonical, 'hello\\n' written to the master at 200 ms -> 6 'hello\\n', after 200 ms 1"
  assert_line "  the master reads the echo 'hello\\r\\n'"
  assert_line "slave read, 'abc' at 100 ms and 'def\\n' at 300 ms -> 7 'abcdef\\n', after 300 ms 1"
  assert_line "a line of 11, read of 4 -> 4 '0123'"
  assert_line "then the rest -> 7 '456789\\n'"
  assert_line "VEOF on an empty line -> 0 ''"
  assert_line "master read, the slave writes 'out\\n' at 200 ms -> 5 'out\\r\\n', after 200 ms 1"
  assert_line "slave read, raw, VMIN 0 VTIME 2, nothing typed -> 0 '', after 200 ms 1"
  assert_line "raw, VMIN 1, 'xy' typed, read of 1 -> 1 'x'"
  assert_line "after: O_NONBLOCK master 0 slave 0"
  assert_line "slave read, the master closed at 200 ms -> -1 EIO '', after 200 ms 1"
}

@test "pty waits are green: a heartbeat ticks on one OS thread through each" {
  run gp "$PROGS/osfd_pty"
  for w in pty-slave-line pty-master-read pty-raw-vtime pty-eio; do hb_ok "$w" 10; done
  hb_ok pty-slave-pieces 20
}

@test "a FIFO opened by two threads: each blocking open waits for the other end without stopping the opener" {
  same_as_native_hb "$PROGS/osfd_fifo" "$BATS_TEST_TMPDIR"
  assert_line "open O_RDONLY, a writer opens at 200 ms -> fd ok, after the writer 1, O_NONBLOCK 0"
  assert_line "  read, written at 300 ms -> 5 'fifo', then (closed at 400 ms) -> 0"
  assert_line "open O_WRONLY, a reader opens at 200 ms -> fd ok, after the reader 1, O_NONBLOCK 0"
  assert_line "  the reader's end reads -> 4 'back'"
  assert_line "open O_WRONLY|O_NONBLOCK, no reader -> -1 ENXIO"
  assert_line "open O_RDWR, nobody else -> fd ok at once 1, O_NONBLOCK 0"
}

@test "FIFO opens and reads are green: a heartbeat ticks, at most 1 + pool size OS threads (the open may use the tpool)" {
  run gp_env GREENPATCH_THREADPOOL_SIZE=4 "$PROGS/osfd_fifo" "$BATS_TEST_TMPDIR"
  hb_ok fifo-open-read 20 5
  hb_ok fifo-open-write 10 5
}

# stdio_pipes RUNNER: osfd_stdio run by RUNNER (native or gp) with stdin and stdout pipes of this
# shell (the line comes 300 ms late); prints the program's output and status, then this shell's
# view of both pipes' O_NONBLOCK once it has ended.
stdio_pipes() {
  local out="$BATS_TEST_TMPDIR/stdio.$1" r w rc=0 catpid
  exec {w}> >(exec cat >"$out")
  catpid=$!
  exec {r}< <(sleep 0.3; echo ping)
  "$1" "$PROGS/osfd_stdio" <&"$r" >&"$w" || rc=$?
  local flags="shell: stdin pipe O_NONBLOCK $(nonblock_flag "$r"), stdout pipe O_NONBLOCK $(nonblock_flag "$w")"
  exec {r}<&- {w}>&-
  wait "$catpid" || true
  cat "$out"
  echo "status $rc"
  echo "$flags"
}

@test "stdin and stdout pipes of the test shell: a thread reads stdin, the pipes' flags unchanged after" {
  run stdio_pipes native
  local expected=$output
  run stdio_pipes gp
  assert_equal "$(grep -av '^hb: ' <<<"$output")" "$(grep -av '^hb: ' <<<"$expected")"
  assert_line "stdin isatty 0 O_NONBLOCK 0, stdout isatty 0 O_NONBLOCK 0"
  assert_line "read(0) -> 5 'ping', waited for the shell 1"
  assert_line "after: stdin O_NONBLOCK 0, stdout O_NONBLOCK 0"
  assert_line "status 0"
  assert_line "shell: stdin pipe O_NONBLOCK 0, stdout pipe O_NONBLOCK 0"
  hb_ok stdin-read 10
}

@test "stdin and stdout on the test shell's terminal: a thread reads stdin, the terminal's flags unchanged after" {
  run native "$PROGS/osfd_ptyrun" 300 "$PROGS/osfd_stdio"
  local expected=$output
  run native "$PROGS/osfd_ptyrun" 300 env LD_PRELOAD="$GP_PRELOAD" "$PROGS/osfd_stdio"
  assert_success
  assert_equal "$(grep -av '^hb: ' <<<"$output")" "$(grep -av '^hb: ' <<<"$expected")"
  assert_line "stdin isatty 1 O_NONBLOCK 0, stdout isatty 1 O_NONBLOCK 0"
  assert_line "read(0) -> 5 'ping', waited for the shell 1"
  assert_line "after: stdin O_NONBLOCK 0, stdout O_NONBLOCK 0"
  assert_line "ptyrun: exit status 0, slave O_NONBLOCK after 0, master 0"
  hb_ok stdin-read 10
}
