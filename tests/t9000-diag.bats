#!/usr/bin/env bats
# Diagnostics: hub blocking detection (GREENPATCH_HUB_BLOCKING_DETECTION), the dump of every green
# thread on a signal (GREENPATCH_DUMP_SIGNAL), the stack overflow line, the deadlock report with
# the diagnostics on, the counters at exit (GREENPATCH_STATS), the gdb script on a live process
# and on a core. Each diagnostic is checked by what it prints and by the program going on (or
# crashing) exactly as it would without it.

load helpers

setup() {
  SERVER_PID=
}

teardown() {
  stop "$SERVER_PID"
}

# start_bg VAR=VALUE... PROG ARGS...: the program under the preload in the background (env execs
# it: $SERVER_PID is the program), stdout in $BATS_TEST_TMPDIR/out, stderr in .../err.
start_bg() {
  local vars=()
  while [[ "$1" == *=* ]]; do vars+=("$1"); shift; done
  env "${vars[@]}" LD_PRELOAD="$GP_PRELOAD" "$@" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
  SERVER_PID=$!
}

# wait_for_line FILE REGEX: at most 10 s.
wait_for_line() {
  local i
  for i in $(seq 200); do grep -qE "$2" "$1" && return 0; sleep 0.05; done
  echo "no line matching '$2' in $1:" >&2
  cat "$1" >&2
  return 1
}

# plain_cores: the kernel writes core files named core* in the current directory.
plain_cores() { [[ "$(cat /proc/sys/kernel/core_pattern)" == core* ]]; }

@test "blocking detection: a thread spinning 600 ms is reported once, with the spinning function; the program finishes normally" {
  run gp_env GREENPATCH_HUB_BLOCKING_DETECTION=100 "$PROGS/blocker" spin 600
  assert_success
  assert_line "spun ok"
  assert_line --regexp '^greenpatch: hub blocked \(pid [0-9]+\): green thread [0-9]+ "busy" has run [0-9]+ ms without a switch \(GREENPATCH_HUB_BLOCKING_DETECTION=100\)$'
  assert_line --regexp '^    #[0-9]+ 0x[0-9a-f]+ spin_for_a_while\+0x[0-9a-f]+ in blocker$'
  assert_line --regexp '^    #[0-9]+ 0x[0-9a-f]+ busy\+0x[0-9a-f]+ in blocker$'
  assert_line --regexp '^greenpatch: hub moves again \(pid [0-9]+\): green thread [0-9]+ "busy" ran [0-9]+ ms without a switch$'
  assert_equal "$(grep -c 'hub blocked' <<<"$output")" 1
  assert_ge "$(sed -n 's/.*has run \([0-9]*\) ms.*/\1/p' <<<"$output")" 100 # at detection
  assert_lt "$(sed -n 's/.*has run \([0-9]*\) ms.*/\1/p' <<<"$output")" 450
  assert_ge "$(sed -n 's/.* ran \([0-9]*\) ms.*/\1/p' <<<"$output")" 450 # the whole episode
}

@test "blocking detection: a thread that switches in time is not reported; off by default" {
  run gp_env GREENPATCH_HUB_BLOCKING_DETECTION=300 "$PROGS/blocker" spin 60
  assert_success
  refute_output --partial "greenpatch:"
  run gp "$PROGS/blocker" spin 400
  assert_success
  refute_output --partial "greenpatch:"
}

@test "blocking detection: a hub blocked in a real sleep names the system call, and the sleep is not cut short" {
  run gp_env GREENPATCH_TIME=0 GREENPATCH_HUB_BLOCKING_DETECTION=100 "$PROGS/blocker" sleep 600
  assert_success
  assert_line "slept at least 600 ms: 1"
  assert_line --regexp '^greenpatch: hub blocked .*"busy" has run [0-9]+ ms without a switch, blocked in system call [0-9]+ \(clock_nanosleep\)'
  assert_line --regexp '^    #0 0x[0-9a-f]+ clock_nanosleep\+0x[0-9a-f]+ in libc\.so\.6$'
  assert_line "    (no backtrace: a signal would end that call)"
}

@test "blocking detection: a hub blocked in a real read of a pipe gets its backtrace, and the read goes on" {
  run gp_env GREENPATCH_OS=0 GREENPATCH_HUB_BLOCKING_DETECTION=100 "$PROGS/blocker" read 600
  assert_success
  assert_line "read 'x'"
  assert_line --regexp '^greenpatch: hub blocked .*"busy" has run [0-9]+ ms without a switch, blocked in system call 0 \(read\)'
  assert_line --regexp '^    #[0-9]+ 0x[0-9a-f]+ wait_for_the_pipe\+0x[0-9a-f]+ in blocker$'
}

@test "blocking detection: a program that handles signal 63 itself keeps it: no backtrace, its handler never runs" {
  run gp_env GREENPATCH_HUB_BLOCKING_DETECTION=100 "$PROGS/blocker" spin 600 own63
  assert_success
  assert_line "own handler of signal 63 ran 0 times"
  assert_line --regexp '^greenpatch: hub blocked .*"busy" has run'
  assert_line "    (no backtrace: the program uses signal 63 itself)"
}

@test "blocking detection: 1000 sleepers stay green; the watchdog is the one OS thread more" {
  run gp_env GREENPATCH_HUB_BLOCKING_DETECTION=50 "$PROGS/sleepers" 1000 100 usleep
  assert_success
  assert_equal "$(field os_threads)" 2
  refute_output --partial "hub blocked"
}

@test "dump: every green thread with what it waits on and where; the program goes on" {
  start_bg GREENPATCH_DUMP_SIGNAL=USR2 "$PROGS/waiters" 1500 "$BATS_TEST_TMPDIR/fifo"
  wait_for_line "$BATS_TEST_TMPDIR/out" '^ready$'
  kill -USR2 "$SERVER_PID"
  wait "$SERVER_PID" # the program bounds itself (1.5 s)
  SERVER_PID=
  run cat "$BATS_TEST_TMPDIR/out"
  assert_output "ready
all released"
  run cat "$BATS_TEST_TMPDIR/err"
  assert_line --regexp '^greenpatch: dump \(pid [0-9]+, OS thread [0-9]+\): 8 green threads, 0 runnable, [0-9]+ timers, [0-9]+ descriptors watched; tpool: 1 of 20 workers, 0 jobs queued, 1 unfinished; [0-9]+ switches, [0-9]+ hub iterations$'
  assert_line --regexp '^  thread 1 "waiters" \(main\): sleeps until \+[0-9]+ ms$'
  assert_line --regexp '^  thread [0-9]+ "sleeper": sleeps until \+[0-9]+ ms$'
  assert_line --regexp '^  thread [0-9]+ "reader": waits on fd [0-9]+ for read$'
  assert_line --regexp '^  thread [0-9]+ "locker": waits on mutex 0x[0-9a-f]+, held by thread 1 "waiters"$'
  assert_line --regexp '^  thread [0-9]+ "condwaiter": waits on condition variable 0x[0-9a-f]+$'
  assert_line --regexp '^  thread [0-9]+ "semwaiter": waits on semaphore 0x[0-9a-f]+$'
  assert_line --regexp '^  thread [0-9]+ "joiner": waits on join 0x[0-9a-f]+ \(thread [0-9]+ "sleeper"\)$'
  assert_line --regexp '^  thread [0-9]+ "fifo": in the tpool \(a job of [0-9]+ ms so far\)$'
  for fn in main sleeper reader locker condwaiter semwaiter joiner fifo_opener; do
    assert_line --regexp "^    #0 0x[0-9a-f]+ $fn\\+0x[0-9a-f]+ in waiters\$"
  done
  assert_line "greenpatch: end of dump"
  assert_equal "$(grep -c '^greenpatch: dump' "$BATS_TEST_TMPDIR/err")" 1
}

@test "dump: a program that sets its own action for the signal keeps it, and greenpatch says so once" {
  run gp_env GREENPATCH_DUMP_SIGNAL=USR1 bash -c 'trap "echo trapped" USR1; kill -USR1 $$; trap - USR1; trap "echo again" USR1; kill -USR1 $$; echo after'
  assert_success
  assert_line "trapped"
  assert_line "again"
  assert_line "after"
  assert_line "greenpatch: GREENPATCH_DUMP_SIGNAL: the program set its own action for signal 10 (SIGUSR1): its own wins, no dump on that signal"
  assert_equal "$(grep -c 'its own wins' <<<"$output")" 1
  refute_output --partial "greenpatch: dump"
}

@test "dump: the program sees the action it set for the signal (the default), not greenpatch's" {
  command -v python3 >/dev/null || skip "no python3"
  run gp_env GREENPATCH_DUMP_SIGNAL=USR2 python3 -c 'import signal; print(signal.getsignal(signal.SIGUSR2))'
  assert_success
  assert_output "$(python3 -c 'import signal; print(signal.getsignal(signal.SIGUSR2))')" # as natively
}

@test "stack overflow: one line naming the thread, its size and GREENPATCH_STACK_SIZE, then the crash (SIGSEGV)" {
  run gp_env GREENPATCH_STACK_SIZE=64k "$PROGS/stack_depth" 1024
  assert_equal "$status" 139
  assert_output --regexp '^greenpatch: stack overflow in green thread [0-9]+ "stack_depth": its stack is 64 KiB, set by GREENPATCH_STACK_SIZE \(raise it, e\.g\. GREENPATCH_STACK_SIZE=128k\)$'
}

@test "stack overflow: a stack the program sized names pthread_attr_setstacksize" {
  run gp "$PROGS/stack_depth" 1024 attr=96
  assert_equal "$status" 139
  assert_output --regexp '^greenpatch: stack overflow in green thread [0-9]+ "stack_depth": its stack is 96 KiB, as the program set with pthread_attr_setstacksize \(give it more there\)$'
  run gp "$PROGS/stack_depth" 64 attr=96
  assert_success
}

@test "stack overflow: the program's own SIGSEGV handler (on its own alternate stack) still runs, after the line" {
  run gp_env GREENPATCH_STACK_SIZE=64k "$PROGS/stack_depth" 1024 handler
  assert_equal "$status" 3
  assert_line --index 0 --regexp '^greenpatch: stack overflow in green thread [0-9]+ "stack_depth"'
  assert_line --index 1 "the program's own SIGSEGV handler ran"
}

@test "stack overflow: the core dump still happens, at the overflowing frame" {
  plain_cores || skip "core_pattern is not a plain file name"
  command -v gdb >/dev/null || skip "no gdb"
  cd "$BATS_TEST_TMPDIR"
  run bash -c "ulimit -c unlimited; GREENPATCH_STACK_SIZE=64k LD_PRELOAD='$GP_PRELOAD' exec '$PROGS/stack_depth' 1024"
  assert_equal "$status" 139
  core=$(ls core* | head -n 1)
  [[ -n "$core" ]] || fail "no core file"
  run timeout 60 gdb -q -batch "$PROGS/stack_depth" "$core" -ex "bt 3"
  assert_line --partial "Program terminated with signal SIGSEGV"
  assert_line --regexp '^#0 .*depth'
}

@test "deadlock with the diagnostics on: still reported (the watchdog is no thread that could end it), naming both functions" {
  start_bg GREENPATCH_HUB_BLOCKING_DETECTION=100 GREENPATCH_DUMP_SIGNAL=USR2 "$PROGS/deadlock"
  wait_for_line "$BATS_TEST_TMPDIR/err" '^greenpatch: waiting on, as the program would'
  kill -USR2 "$SERVER_PID" # and a dump asked for meanwhile shows the same
  wait_for_line "$BATS_TEST_TMPDIR/err" '^greenpatch: end of dump'
  run cat "$BATS_TEST_TMPDIR/err"
  assert_line --partial "greenpatch: deadlock: every green thread waits and nothing can wake them"
  assert_line --regexp '^    #0 0x[0-9a-f]+ first\+0x[0-9a-f]+ in deadlock$'
  assert_line --regexp '^    #0 0x[0-9a-f]+ second\+0x[0-9a-f]+ in deadlock$'
  assert_equal "$(grep -c 'waits on mutex 0x[0-9a-f]*, held by thread' <<<"$output")" 4 # report and dump
  refute_output --partial "hub blocked"
  kill -0 "$SERVER_PID" # it waits on, as natively
}

@test "stats at exit: threads, peak, switches, hub iterations, tpool jobs and the calls made real" {
  run gp_env GREENPATCH_STATS=1 "$PROGS/stats_probe" 50
  assert_success
  assert_line "threads=51 done"
  assert_line --regexp '^greenpatch: stats \(pid [0-9]+\): green_threads=51 peak_alive=52 switches=[0-9]+ hub_iterations=[0-9]+ tpool_jobs=[0-9]+ \(inline=0\) real_calls=[0-9]+ \(alone=[0-9]+ nonblocking=[0-9]+\)$'
  assert_ge "$(field switches)" 100
  assert_ge "$(field hub_iterations)" 1
  assert_ge "$(field tpool_jobs)" 1       # the fsync
  assert_ge "$(field nonblocking)" 1      # the read of the program's non-blocking pipe
  assert_ge "$(sed -n 's/.*(alone=\([0-9]*\).*/\1/p' <<<"$output")" 1 # the lone read that waited
  run gp "$PROGS/stats_probe" 5
  assert_success
  assert_output "threads=6 done"
}

@test "gdb script: a live process's green threads, what each waits on, and their frames" {
  command -v gdb >/dev/null || skip "no gdb"
  start_bg "$PROGS/waiters" 8000 "$BATS_TEST_TMPDIR/fifo"
  wait_for_line "$BATS_TEST_TMPDIR/out" '^ready$'
  run timeout 60 gdb -q -batch -p "$SERVER_PID" -x "$ROOT/tools/greenpatch-gdb.py" -ex "greenpatch threads"
  assert_line --regexp '^hub of OS thread [0-9]+: 8 green threads, [0-9]+ switches$'
  assert_line --regexp '^  thread 1 "waiters" \(main\): sleeps until monotonic [0-9.]+ s \(in [0-9]+ ms\)$'
  assert_line --regexp '^  thread [0-9]+ "reader": waits on fd [0-9]+ for read$'
  assert_line --regexp '^  thread [0-9]+ "locker": waits on mutex 0x[0-9a-f]+, held by thread 1 "waiters"$'
  assert_line --regexp '^  thread [0-9]+ "joiner": waits on join 0x[0-9a-f]+ \(thread [0-9]+ "sleeper"\)$'
  assert_line --regexp '^  thread [0-9]+ "fifo": in the tpool$'
  for fn in main sleeper reader locker condwaiter semwaiter joiner fifo_opener; do
    assert_line --regexp "^    #0 0x[0-9a-f]+ $fn at .*tests/progs/waiters\\.c:[0-9]+\$"
  done
  run timeout 60 gdb -q -batch -p "$SERVER_PID" -x "$ROOT/tools/greenpatch-gdb.py" -ex "greenpatch threads -a"
  assert_line --regexp '^    #[0-9]+ 0x[0-9a-f]+ gp_park at .*runtime/sched\.c:[0-9]+ in libgreenpatch'
  kill -0 "$SERVER_PID" # detached, it goes on
}

@test "gdb script: the same from a core file" {
  command -v gdb >/dev/null || skip "no gdb"
  plain_cores || skip "core_pattern is not a plain file name"
  cd "$BATS_TEST_TMPDIR"
  bash -c "ulimit -c unlimited; exec env LD_PRELOAD='$GP_PRELOAD' '$PROGS/waiters' 8000 '$BATS_TEST_TMPDIR/fifo'" \
    >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
  SERVER_PID=$!
  wait_for_line "$BATS_TEST_TMPDIR/out" '^ready$'
  kill -ABRT "$SERVER_PID"
  wait "$SERVER_PID" || true
  SERVER_PID=
  core=$(ls core* | head -n 1)
  [[ -n "$core" ]] || fail "no core file"
  run timeout 60 gdb -q -batch "$PROGS/waiters" "$core" -x "$ROOT/tools/greenpatch-gdb.py" -ex "greenpatch threads"
  assert_line --regexp '^hub of OS thread [0-9]+: 8 green threads'
  assert_line --regexp '^  thread 1 "waiters" \(main\): sleeps until monotonic [0-9.]+ s$'
  assert_line --regexp '^  thread [0-9]+ "semwaiter": waits on semaphore 0x[0-9a-f]+$'
  for fn in sleeper reader locker condwaiter semwaiter joiner fifo_opener; do
    assert_line --regexp "^    #0 0x[0-9a-f]+ $fn at .*tests/progs/waiters\\.c:[0-9]+\$"
  done
}
