#!/usr/bin/env bats
# The tpool: GREENPATCH_TPOOL_WRAP sends a non-green library's calls to native threads, name
# lookups run there, the C API, and the bad settings.

load helpers

LIBS="$ROOT/build/tests/libs"
WRAP='slow_call:i(i),slow_scale:d(dp)'

@test "wrapped: 8 threads each in a 200 ms blocking library call take ~400 ms on 4 pool threads, ~200 on 8; the heartbeat never waits 30 ms" {
  for mode in plt dlsym dlopen scale; do
    run gp_env GREENPATCH_THREADPOOL_SIZE=4 GREENPATCH_TPOOL_WRAP="$WRAP" "$PROGS/wrap_slow" "$mode" "$LIBS"
    assert_success
    assert_output --regexp "^calls=8 results_ok=8 errno_ok=8 "
    assert_ge "$(field took_ms)" 390 # two rounds of 4
    assert_lt "$(field took_ms)" 700
    assert_lt "$(field max_gap_ms)" 30
    run gp_env GREENPATCH_THREADPOOL_SIZE=8 GREENPATCH_TPOOL_WRAP="$WRAP" "$PROGS/wrap_slow" "$mode" "$LIBS"
    assert_success
    assert_output --regexp "^calls=8 results_ok=8 errno_ok=8 "
    assert_ge "$(field took_ms)" 195
    assert_lt "$(field took_ms)" 350 # one round
    assert_lt "$(field max_gap_ms)" 30
  done
}

@test "not wrapped, the same calls block the hub: one after the other, the heartbeat stopped" {
  run gp "$PROGS/wrap_slow" plt "$LIBS"
  assert_success
  assert_output --regexp "^calls=8 results_ok=8 "
  assert_ge "$(field took_ms)" 1500
  assert_ge "$(field max_gap_ms)" 190
  run native "$PROGS/wrap_slow" plt "$LIBS" # natively the 8 OS threads overlap
  assert_lt "$(field took_ms)" 1000
}

@test "a wrapped name no loaded object defines is reported once, and the program runs on" {
  run gp_env GREENPATCH_TPOOL_WRAP='slow_call:i(i),no_such_function:v(p)' "$PROGS/wrap_slow" plt "$LIBS"
  assert_success
  assert_line "greenpatch: GREENPATCH_TPOOL_WRAP: no loaded object defines no_such_function (its calls are wrapped if a library loaded later does)"
  assert_equal "$(grep -c no_such_function <<<"$output")" 1
  assert_line --regexp "^calls=8 results_ok=8 errno_ok=8 "
}

@test "bad GREENPATCH_TPOOL_WRAP entries stop the program with one line naming the variable and the problem" {
  declare -A bad=(
    ["slow_call"]="no ':' before the signature"
    ["slow_call:i"]="not a signature ret(args)"
    ["slow_call:x(i)"]="unknown return type"
    ["slow_call:i(q)"]="unknown argument type"
    ["1x:i(i)"]="not a function name"
    ["a:i(i),a:i(i)"]="a name given twice"
  )
  for v in "${!bad[@]}"; do
    run env GREENPATCH_TPOOL_WRAP="$v" LD_PRELOAD="$GP_PRELOAD" timeout 30 "$PROGS/flags_probe"
    assert_failure 2
    assert_equal "${#lines[@]}" 1
    assert_output --partial "greenpatch: GREENPATCH_TPOOL_WRAP: ${bad[$v]} in '"
    assert_output --partial "(accepted: name:ret(args),... with types v i I l L z p d f, e.g. slow_call:i(i))"
  done
}

@test "bad GREENPATCH_THREADPOOL_SIZE values (-1, abc, above 100000) stop the program" {
  for v in -1 abc 100001 1e3 ""; do
    run env GREENPATCH_THREADPOOL_SIZE="$v" LD_PRELOAD="$GP_PRELOAD" timeout 30 "$PROGS/flags_probe"
    assert_failure 2
    assert_output "greenpatch: GREENPATCH_THREADPOOL_SIZE: invalid value '$v' (accepted: a whole number from 0 to 100000)"
  done
}

@test "the tpool's C API: execute (errno back), nested calls inline, libffi calls, set_num_threads and killall" {
  run gp "$PROGS/tpool_api"
  assert_success
  assert_output "execute: ran on another thread 1, errno back 777
execute from a pool thread runs inline: 1
call through libffi: 0 result 42; NULL cif: -1 Invalid argument
set_num_threads(-1): -1 Invalid argument; size 20
after set_num_threads(3): size 20
after killall: size 3
6 calls of 100 ms on 3 threads: two rounds 1, heartbeat ran 1
after set_num_threads(8): size 8
after killall: size 8, os_threads 1"
}

@test "a pool of size 0 runs the calls inline, as eventlet does" {
  run gp_env GREENPATCH_THREADPOOL_SIZE=0 GREENPATCH_TPOOL_WRAP="$WRAP" "$PROGS/wrap_slow" plt "$LIBS"
  assert_success
  assert_output --regexp "^calls=8 results_ok=8 errno_ok=8 "
  assert_ge "$(field took_ms)" 1500 # inline: the hub waits in each
}

@test "200 threads resolving localhost on the tpool while the heartbeat ticks: answers as natively" {
  expected=$(native "$PROGS/resolve_many" 2>/dev/null)
  run gp "$PROGS/resolve_many"
  assert_success
  assert_equal "$(grep -v max_gap <<<"$output")" "$expected"
  assert_line --regexp "^200 lookups of localhost, all the same: 1: "
  assert_lt "$(field max_gap_ms)" 50
}
