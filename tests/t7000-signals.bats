#!/usr/bin/env bats
# Signals: what a handler does to the blocking calls of the thread it runs in (signal(7): EINTR
# without SA_RESTART; with it, some calls resume and others still fail), the sigwait family in a
# thread (green: a heartbeat ticks meanwhile), which thread a process-directed signal goes to, the
# legacy server stopped by SIGTERM, and the dispositions the program sees (sigaction's old action,
# signal(), SA_RESETHAND, SA_SIGINFO, SA_NODEFER, SA_ONSTACK, SIG_IGN across fork and exec). Each
# program runs natively and preloaded, outputs compared; the asserted lines are the native ones
# (Linux 6.x, glibc 2.36).

load helpers

teardown() {
  stop "${SERVER_PID:-}"
}

# eintr_lines MODE GROUP: the native lines of sig_eintr's GROUP with a handler installed in MODE
# (norestart: sigaction without SA_RESTART; restart: with it; bsd: by signal()).
eintr_lines() {
  local mode=$1 group=$2
  case $mode in
    norestart) assert_line "SIGALRM handler installed by sigaction: SA_RESTART 0" ;;
    restart) assert_line "SIGALRM handler installed by sigaction: SA_RESTART 1" ;;
    bsd) assert_line "SIGALRM handler installed by signal(): SA_RESTART 1" ;;
  esac
  if [[ $group == io && $mode == norestart ]]; then
    assert_line "read on a socket                   -> -1 EINTR, handler ran 1 in main 1, at the signal"
    assert_line "read on a pipe                     -> -1 EINTR, handler ran 1 in main 1, at the signal"
    assert_line "recv                               -> -1 EINTR, handler ran 1 in main 1, at the signal"
    assert_line "accept                             -> -1 EINTR, handler ran 1 in main 1, at the signal"
    assert_line "send on a full socket              -> -1 EINTR, handler ran 1 in main 1, at the signal"
    assert_line "connect, the listen queue full     -> -1 EINTR, handler ran 1 in main 1, at the signal"
  elif [[ $group == io ]]; then
    # SA_RESTART: each call resumes and completes when the helper acts at 400 ms (connect when
    # its SYN is retransmitted, 1 s after the first)
    assert_line "read on a socket                   -> 1, handler ran 1 in main 1, at 400 ms"
    assert_line "read on a pipe                     -> 1, handler ran 1 in main 1, at 400 ms"
    assert_line "recv                               -> 1, handler ran 1 in main 1, at 400 ms"
    assert_line "accept                             -> a connection, handler ran 1 in main 1, at 400 ms"
    assert_line "send on a full socket              -> 1, handler ran 1 in main 1, at 400 ms"
    assert_line "connect, the listen queue full     -> 0, handler ran 1 in main 1, at 1 s"
  elif [[ $group == waits ]]; then
    # glibc 2.36's sleep() returns the whole seconds left, truncated: 1 of the 1.95 s
    assert_line "sleep(2)                           -> 1 (seconds left), handler ran 1 in main 1, at the signal"
    assert_line "nanosleep 2 s                      -> -1 EINTR, handler ran 1 in main 1, at the signal, time left 1.5-1.99 s"
    assert_line "clock_nanosleep 2 s                -> EINTR, handler ran 1 in main 1, at the signal, time left 1.5-1.99 s"
    assert_line "poll                               -> -1 EINTR, handler ran 1 in main 1, at the signal"
    assert_line "select                             -> -1 EINTR, handler ran 1 in main 1, at the signal"
    assert_line "epoll_wait                         -> -1 EINTR, handler ran 1 in main 1, at the signal"
    assert_line "sem_timedwait                      -> -1 EINTR, handler ran 1 in main 1, at the signal"
    assert_line "pthread_cond_wait                  -> 0, handler ran 1 in main 1, at 400 ms, returns 1"
    assert_line "pthread_mutex_lock                 -> 0, handler ran 1 in main 1, at 400 ms"
    assert_line "pause                              -> -1 EINTR, handler ran 1 in main 1, at the signal"
    assert_line "sigsuspend (SIGALRM blocked outside) -> -1 EINTR, handler ran 1 in main 1, at the signal, mask restored"
    assert_line "pthread_join (the thread ends at 400 ms) -> 0, handler ran 1 in main 1, at 400 ms"
    if [[ $mode == norestart ]]; then
      assert_line "sem_wait                           -> -1 EINTR, handler ran 1 in main 1, at the signal"
      assert_line "waitpid                            -> -1 EINTR, handler ran 1 in main 1, at the signal"
    else
      assert_line "sem_wait                           -> 0, handler ran 1 in main 1, at 400 ms"
      assert_line "waitpid                            -> the child, handler ran 1 in main 1, at 400 ms"
    fi
  else
    # a socket with a timeout is never restarted (signal(7))
    assert_line "read, SO_RCVTIMEO 3 s              -> -1 EINTR, handler ran 1 in main 1, at the signal"
    assert_line "recv, SO_RCVTIMEO 3 s              -> -1 EINTR, handler ran 1 in main 1, at the signal"
    assert_line "accept, SO_RCVTIMEO 3 s            -> -1 EINTR, handler ran 1 in main 1, at the signal"
    assert_line "send on a full socket, SO_SNDTIMEO 3 s -> -1 EINTR, handler ran 1 in main 1, at the signal"
  fi
}

# eintr MODE SOURCE GROUP MIN_TICKS: sig_eintr natively and preloaded, outputs equal, the native
# lines, then a heartbeat that ticked through all of main's waits on one OS thread.
eintr() {
  same_as_native_hb "$PROGS/sig_eintr" "$1" "$2" "$3"
  eintr_lines "$1" "$3"
  hb_ok main-interrupted "$4"
}

@test "no SA_RESTART, SIGALRM from setitimer: socket and pipe reads, recv, accept, send, connect fail with EINTR" {
  eintr norestart timer io 10
}
@test "no SA_RESTART, SIGALRM from setitimer: sleeps, polls, sem_wait, waitpid, pause, sigsuspend EINTR; condvar, mutex, join resume" {
  eintr norestart timer waits 50
}
@test "no SA_RESTART, SIGALRM from setitimer: sockets with SO_RCVTIMEO/SO_SNDTIMEO fail with EINTR" {
  eintr norestart timer timeo 8
}
@test "no SA_RESTART, SIGALRM from pthread_kill(main): socket and pipe I/O, accept, connect fail with EINTR" {
  eintr norestart thread io 10
}
@test "no SA_RESTART, SIGALRM from pthread_kill(main): the waits as with setitimer" {
  eintr norestart thread waits 50
}
@test "no SA_RESTART, SIGALRM from pthread_kill(main): sockets with timeouts fail with EINTR" {
  eintr norestart thread timeo 8
}
@test "SA_RESTART, SIGALRM from setitimer: socket and pipe reads, recv, accept, send, connect resume and complete" {
  eintr restart timer io 100
}
@test "SA_RESTART, SIGALRM from setitimer: sem_wait and waitpid resume; sleeps, polls, sem_timedwait, pause, sigsuspend still EINTR" {
  eintr restart timer waits 100
}
@test "SA_RESTART, SIGALRM from setitimer: sockets with SO_RCVTIMEO/SO_SNDTIMEO still fail with EINTR" {
  eintr restart timer timeo 8
}
@test "SA_RESTART, SIGALRM from pthread_kill(main): socket and pipe I/O, accept, connect resume" {
  eintr restart thread io 100
}
@test "SA_RESTART, SIGALRM from pthread_kill(main): the waits as with setitimer" {
  eintr restart thread waits 100
}
@test "SA_RESTART, SIGALRM from pthread_kill(main): sockets with timeouts still fail with EINTR" {
  eintr restart thread timeo 8
}
@test "a handler installed with signal() (BSD semantics: SA_RESTART): socket and pipe I/O, accept, connect resume" {
  eintr bsd timer io 100
}
@test "a handler installed with signal(): sem_wait and waitpid resume, the other waits fail with EINTR" {
  eintr bsd timer waits 100
}
@test "a handler installed with signal(): sockets with timeouts still fail with EINTR" {
  eintr bsd timer timeo 8
}

@test "sigwait, sigwaitinfo, sigtimedwait in a thread: siginfo as natively (kill, sigqueue, pthread_kill, pthread_sigqueue, timeouts, queueing, EINTR)" {
  same_as_native_hb "$PROGS/sig_wait"
  assert_line "sigwait, kill(getpid(), SIGUSR1) at 200 ms -> 0 sig 10, after the kill 1"
  assert_line "sigwaitinfo, kill(getpid(), SIGUSR1) at 200 ms -> 10: si_signo 10 si_code 0 pid ours 1 uid ours 1 value 0"
  assert_line "sigwaitinfo, sigqueue(getpid(), SIGUSR2, 1234) at 200 ms -> 12: si_signo 12 si_code -1 pid ours 1 uid ours 1 value 1234"
  # the kernel says SI_TKILL (-6); glibc's sigtimedwait turns it into SI_USER (0)
  assert_line "sigtimedwait 3 s, pthread_kill(waiter, SIGUSR2) at 200 ms -> 12: si_signo 12 si_code 0 pid ours 1 uid ours 1 value 0"
  assert_line "sigtimedwait 3 s, pthread_sigqueue(waiter, SIGUSR1, 77) at 200 ms -> 10: si_signo 10 si_code -1 pid ours 1 uid ours 1 value 77"
  assert_line "sigtimedwait 300 ms, nothing sent -> -1 EAGAIN, waited>=290 1"
  assert_line "sigtimedwait with a zero timeout, nothing pending -> -1 EAGAIN"
  assert_line "queued SIGRTMIN 1, 2, 3 and SIGUSR1 twice: taken USR1 RTMIN:1 RTMIN:2 RTMIN:3, then EAGAIN"
  assert_line "sigtimedwait for USR1, a handled USR2 aimed at the waiter at 200 ms -> -1 EINTR, handler ran 1, at the signal 1"
  assert_line "sigwait for USR1, a handled USR2 at 200 ms, USR1 at 400 ms -> 0 sig 10, handler ran 1"
}

@test "the sigwait family is green: a heartbeat ticks on one OS thread while a thread waits" {
  run gp "$PROGS/sig_wait"
  for w in sigwait sigwaitinfo-kill sigwaitinfo-sigqueue sigtimedwait-tkill sigtimedwait-tqueue sigtimedwait-eintr; do
    hb_ok "$w" 10
  done
  hb_ok sigtimedwait-timeout 15
  hb_ok sigwait-no-eintr 20
}

@test "which thread runs the handler of a process-directed signal: main unless it blocks it, else the one that does not" {
  same_as_native_hb "$PROGS/sig_which"
  assert_line "nobody blocks SIGUSR1, kill(getpid()) from a helper: handled 1 by main"
  assert_line "main and A block it: handled 1 by B"
  assert_line "main and B block it: handled 1 by A"
  assert_line "all block it: handled 0, pending as seen by main 1, B unblocks it: handled 1 by B"
  assert_line "nobody blocks it, another thread calls kill(getpid()): handled 1 by main"
  assert_line "nobody blocks it, thread A calls raise(SIGUSR1): handled 1 by A"
  assert_line "pthread_kill(B) while B blocks it: handled 0, pending as seen by main 0, B unblocks it: handled 1 by B"
  hb_ok which-thread 50
}

# term_server RUNNER: starts sig_term (natively or preloaded), connects, checks the echo, sends
# SIGTERM from outside; prints the server's output without its port, and its exit status.
term_server() {
  local out="$BATS_TEST_TMPDIR/term.$1" port line rc=0 i
  if [[ $1 == gp ]]; then
    env LD_PRELOAD="$GP_PRELOAD" "$PROGS/sig_term" >"$out" 3>&- &
  else
    "$PROGS/sig_term" >"$out" 3>&- &
  fi
  SERVER_PID=$!
  wait_for_file "$out" || { echo "no listening line"; return 1; }
  port=$(sed -n 's/^listening port=//p' "$out")
  exec 5<>"/dev/tcp/127.0.0.1/$port"
  echo hello >&5
  read -r -t 5 line <&5 || line="(no echo)"
  echo "echoed: $line"
  sleep 0.2
  kill -TERM "$SERVER_PID"
  for i in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then echo "still running 5 s after SIGTERM"; kill -KILL "$SERVER_PID"; fi
  wait "$SERVER_PID" || rc=$?
  SERVER_PID=
  exec 5<&-
  sed 's/^listening port=.*/listening/' "$out"
  echo "status $rc"
}

@test "the legacy server pattern: SIGTERM from outside, the accept loop sees EINTR and the flag, workers joined, status 0" {
  run term_server native
  assert_success
  local expected=$output
  assert_line "accept loop left: flag 1, last accept error EINTR"
  run term_server gp
  assert_success
  assert_output "$expected"
  assert_line "echoed: hello"
  assert_line "listening"
  assert_line "connection 1 accepted"
  assert_line "accept loop left: flag 1, last accept error EINTR"
  assert_line "workers joined 1, clean exit"
  assert_line "status 0"
}

@test "dispositions as the program installed them: old actions, signal(), SA_RESETHAND, SA_SIGINFO, SA_NODEFER, SA_ONSTACK, SIG_IGN across fork and exec" {
  same_as_native "$PROGS/sig_actions"
  assert_line "after sigaction(h1, SA_RESTART, mask {USR2}): handler h1, is h1 1, flags SA_RESTART SA_RESTORER, mask has USR2 1 USR1 0"
  assert_line "replacing it with h2: the old action returned is h1, flags SA_RESTART SA_RESTORER"
  assert_line "signal(SIGUSR1, h1) returns h2, signal(SIGUSR1, SIG_IGN) returns h1, signal(SIGUSR1, SIG_DFL) returns SIG_IGN"
  assert_line "after signal(h1): flags SA_RESTART SA_RESTORER, mask has USR1 1"
  assert_line "signal(SIGKILL) -> SIG_ERR EINVAL, sigaction(SIGSTOP) -> -1 EINVAL, sigaction(0) -> -1 EINVAL, sigaction(65) -> -1 EINVAL, query SIGKILL -> 0 SIG_DFL"
  assert_line "raise(SIGUSR1) with h1: handled before raise returned 1"
  assert_line "SA_RESETHAND on SIGWINCH: ran 1, then SIG_DFL flags SA_RESETHAND SA_RESTORER, raised again: ran 1"
  assert_line "SA_SIGINFO, sigqueue(getpid(), SIGUSR2, 99): ran 1, si_code -1, si_value 99, si_pid ours 1; query: sa_sigaction is ours 1, flags SA_SIGINFO SA_RESTORER"
  assert_line "in the handler: USR1 blocked 1, USR2 (sa_mask) blocked 1; with SA_NODEFER: USR1 blocked 0, USR2 blocked 0"
  assert_line "SA_ONSTACK with a sigaltstack: ran on the alternate stack 1, without SA_ONSTACK 0"
  assert_line "SIGCHLD SIG_IGN, a child exiting at 200 ms: waitpid -> -1 ECHILD, after the exit 1"
  assert_line "after fork: SIGUSR1 SIG_IGN, SIGUSR2 h2"
  assert_line "after exec: SIGUSR1 SIG_IGN, SIGUSR2 SIG_DFL (was h2), SIGWINCH blocked 1"
}

@test "SIG_IGN set by the shell is inherited: the program sees it, and raising the signal does nothing" {
  run timeout 30 bash -c "trap '' USR1; exec '$PROGS/sig_actions' child"
  assert_success
  local expected=$output
  assert_line "after exec: SIGUSR1 SIG_IGN, SIGUSR2 SIG_DFL (was h2), SIGWINCH blocked 0"
  assert_line "raise and kill of the ignored SIGUSR1: still running"
  run timeout 30 bash -c "trap '' USR1; LD_PRELOAD='$GP_PRELOAD' exec '$PROGS/sig_actions' child"
  assert_success
  assert_output "$expected"
}

@test "a greenpatch_timeout ends the waits of a program's only thread: pause, sigsuspend, the sigwait family, futex, read, poll" {
  # alone on its hub such a call would block in the kernel, where the timeout's timer cannot end it
  run timeout 40 "$PROGS/timeout_alone"
  assert_success
  local w
  for w in pause sigsuspend sigwaitinfo sigtimedwait futex read poll; do
    assert_line "$w -1 ETIME 1 1"
  done
  assert_line "silent pause left=1"
  assert_line "pause without a timeout -1 EINTR"
}
