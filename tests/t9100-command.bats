#!/usr/bin/env bats
# The greenpatch command (tools/greenpatch): each option sets exactly its GREENPATCH_* variable,
# LD_PRELOAD gets the library appended, and the command runs with its own exit status. Checked
# through env_probe, which prints what it sees (the variables, and the library's module mask).

bats_require_minimum_version 1.5.0
load helpers

GREENPATCH="$ROOT/tools/greenpatch"
CMD_LIB="$ROOT/build/libgreenpatch.so" # the library the command finds in this tree (not GP_LIB: make asan)

# probe OPTIONS...: env_probe through the command, with no GREENPATCH_* or LD_PRELOAD of ours.
probe() {
  run env -u LD_PRELOAD $(env | sed -n 's/^\(GREENPATCH_[A-Z_]*\)=.*/-u \1/p') \
    timeout "$GP_TIMEOUT" "$GREENPATCH" "$@" -- "$PROGS/env_probe"
}

@test "each option sets its one variable, and nothing else" {
  declare -A want=(
    [--all]=GREENPATCH_ALL=1
    [--socket]=GREENPATCH_SOCKET=1 [--no-socket]=GREENPATCH_SOCKET=0
    [--thread]=GREENPATCH_THREAD=1 [--no-thread]=GREENPATCH_THREAD=0
    [--os]=GREENPATCH_OS=1 [--no-os]=GREENPATCH_OS=0
    [--select]=GREENPATCH_SELECT=1 [--no-select]=GREENPATCH_SELECT=0
    [--time]=GREENPATCH_TIME=1 [--no-time]=GREENPATCH_TIME=0
    [--stats]=GREENPATCH_STATS=1
  )
  for opt in "${!want[@]}"; do
    probe "$opt"
    assert_success
    assert_equal "$(grep -c '^GREENPATCH_' <<<"$output")" 1
    assert_line "${want[$opt]}"
    assert_line "LD_PRELOAD=$CMD_LIB"
  done
  declare -A value=(
    [--threadpool-size]="GREENPATCH_THREADPOOL_SIZE 7" [--tpool-wrap]="GREENPATCH_TPOOL_WRAP nosuchfn:i(i)"
    [--stack-size]="GREENPATCH_STACK_SIZE 1m" [--deadlock]="GREENPATCH_DEADLOCK abort"
    [--hub-blocking-detection]="GREENPATCH_HUB_BLOCKING_DETECTION 250" [--dump-signal]="GREENPATCH_DUMP_SIGNAL USR2"
  )
  for opt in "${!value[@]}"; do
    read -r var val <<<"${value[$opt]}"
    probe "$opt" "$val"
    assert_success
    assert_equal "$(grep -c '^GREENPATCH_' <<<"$output")" 1
    assert_line "$var=$val"
    probe "$opt=$val" # the --option=value form
    assert_success
    assert_line "$var=$val"
  done
}

@test "options combine as the variables do: the library patches what eventlet would" {
  probe --socket --time
  assert_output "GREENPATCH_SOCKET=1
GREENPATCH_TIME=1
LD_PRELOAD=$CMD_LIB
patched=0x14"
  probe --all --no-os --no-select
  assert_line "patched=0x1c"
  probe
  assert_output "LD_PRELOAD=$CMD_LIB
patched=0x1f"
  probe --socket --no-socket # the last one wins
  assert_line "GREENPATCH_SOCKET=0"
  refute_line "GREENPATCH_SOCKET=1"
}

@test "LD_PRELOAD: the library is appended to what is there, once" {
  run env LD_PRELOAD=/lib/x86_64-linux-gnu/libm.so.6 "$GREENPATCH" -- "$PROGS/env_probe"
  assert_success
  assert_line "LD_PRELOAD=/lib/x86_64-linux-gnu/libm.so.6:$CMD_LIB"
  run env LD_PRELOAD="$CMD_LIB" "$GREENPATCH" -- "$PROGS/env_probe"
  assert_line "LD_PRELOAD=$CMD_LIB"
}

@test "variables the options do not name pass through; without -- the first word is the command" {
  run env -u LD_PRELOAD GREENPATCH_TIME=0 "$GREENPATCH" --socket "$PROGS/env_probe"
  assert_success
  assert_line "GREENPATCH_TIME=0"
  assert_line "GREENPATCH_SOCKET=1"
}

@test "the command's own exit status, signal and arguments" {
  run "$GREENPATCH" -- sh -c 'exit 7'
  assert_failure 7
  run "$GREENPATCH" -- sh -c 'kill -TERM $$'
  assert_failure 143
  run "$GREENPATCH" --no-time -- printf '%s|' "a b" --socket -x
  assert_success
  assert_output "a b|--socket|-x|"
}

@test "a bad option, a missing value or no command: one line and status 2; a missing command: 127" {
  run "$GREENPATCH" --sockets -- true
  assert_failure 2
  assert_output "greenpatch: unknown option '--sockets' (see greenpatch --help)"
  run "$GREENPATCH" --nosuch=1 -- true
  assert_failure 2
  assert_output "greenpatch: unknown option '--nosuch' (see greenpatch --help)"
  run "$GREENPATCH" --stack-size
  assert_failure 2
  assert_output "greenpatch: option '--stack-size' needs a value (see greenpatch --help)"
  run "$GREENPATCH" --stats
  assert_failure 2
  assert_output "greenpatch: no command given (see greenpatch --help)"
  run -127 "$GREENPATCH" -- /no/such/program
  assert_failure 127
  assert_output "greenpatch: /no/such/program: command not found"
}

@test "a bad value stops the command with the library's line and status 2" {
  run "$GREENPATCH" --stack-size huge -- "$PROGS/env_probe"
  assert_failure 2
  assert_output --regexp "^greenpatch: GREENPATCH_STACK_SIZE: invalid value 'huge' \\(accepted: [^)]+\\)\$"
  run "$GREENPATCH" --dump-signal KILL -- "$PROGS/env_probe"
  assert_failure 2
  assert_output --regexp "^greenpatch: GREENPATCH_DUMP_SIGNAL: invalid value 'KILL'"
}

@test "--help and --version; the version is the library's" {
  run "$GREENPATCH" --help
  assert_success
  assert_line --index 0 "usage: greenpatch [OPTION]... [--] COMMAND [ARG]..."
  for opt in --all --socket --no-socket --thread --no-thread --os --no-os --select --no-select --time --no-time \
    --threadpool-size --tpool-wrap --hub-blocking-detection --dump-signal --stats --stack-size --deadlock; do
    assert_output --partial " $opt"
  done
  run "$GREENPATCH" --version
  assert_success
  assert_output "greenpatch $(sed -n 's/^#define GREENPATCH_VERSION "\(.*\)"$/\1/p' "$ROOT/include/greenpatch.h")"
}

@test "the command finds the library through a symlink to it, and the program is green" {
  ln -s "$GREENPATCH" "$BATS_TEST_TMPDIR/gp"
  run timeout "$GP_TIMEOUT" "$BATS_TEST_TMPDIR/gp" --stats -- "$PROGS/sleepers" 100 100 usleep
  assert_success
  assert_equal "$(field os_threads)" 1
  assert_line --regexp '^greenpatch: stats \(pid [0-9]+\): green_threads=100 '
}
