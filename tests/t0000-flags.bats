#!/usr/bin/env bats
# The GREENPATCH_* flags: eventlet.monkey_patch semantics, shown by behaviour (flags_probe), and a
# clear one-line error with exit status 2 for every bad value.

setup() { load helpers; }

probe() { run env "$@" LD_PRELOAD="$GP_LIB" timeout 30 "$PROGS/flags_probe"; assert_success; }

@test "nothing set: every module patched" {
  probe
  assert_output "thread=1 time=1 socket=1 select=1"
}

@test "a module set false is excluded, the others stay patched" {
  probe GREENPATCH_TIME=0
  assert_output "thread=1 time=0 socket=1 select=1"
  probe GREENPATCH_SOCKET=off
  assert_output "thread=1 time=1 socket=0 select=1"
  probe GREENPATCH_SELECT=no
  assert_output "thread=1 time=1 socket=1 select=0"
}

@test "a module set true: only the modules set true" {
  probe GREENPATCH_THREAD=1
  assert_output "thread=1 time=0 socket=0 select=0"
  probe GREENPATCH_THREAD=yes GREENPATCH_SOCKET=on
  assert_output "thread=1 time=0 socket=1 select=0"
  probe GREENPATCH_THREAD=true GREENPATCH_TIME=true GREENPATCH_SELECT=false
  assert_output "thread=1 time=1 socket=0 select=0"
}

@test "ALL=1 patches all but those set false; ALL=0 none but those set true" {
  probe GREENPATCH_ALL=1
  assert_output "thread=1 time=1 socket=1 select=1"
  probe GREENPATCH_ALL=1 GREENPATCH_SELECT=0
  assert_output "thread=1 time=1 socket=1 select=0"
  probe GREENPATCH_ALL=0 GREENPATCH_THREAD=1 GREENPATCH_TIME=1
  assert_output "thread=1 time=1 socket=0 select=0"
  probe GREENPATCH_ALL=0
  assert_output "thread=0"
}

@test "THREAD=0: pthreads are native OS threads again" {
  probe GREENPATCH_THREAD=0
  assert_output "thread=0"
  run env GREENPATCH_THREAD=0 LD_PRELOAD="$GP_LIB" timeout 30 "$PROGS/sleepers" 50 100 usleep
  assert_success
  [ "$(field os_threads)" -ge 51 ]
}

@test "values are case-insensitive" {
  probe GREENPATCH_TIME=OFF GREENPATCH_SOCKET=False
  assert_output "thread=1 time=0 socket=0 select=1"
  probe GREENPATCH_ALL=TRUE GREENPATCH_SELECT=No
  assert_output "thread=1 time=1 socket=1 select=0"
}

@test "every bad module value stops the program with one line naming the variable, status 2" {
  for var in ALL OS SELECT SOCKET THREAD TIME; do
    for val in maybe 2 "" " 1" yes! tru; do
      run env "GREENPATCH_$var=$val" LD_PRELOAD="$GP_LIB" timeout 30 "$PROGS/flags_probe"
      assert_failure 2
      assert_output "greenpatch: GREENPATCH_$var: invalid value '$val' (accepted: 1, 0, true, false, yes, no, on, off)"
    done
  done
}

@test "bad sizes stop the program: GREENPATCH_STACK_SIZE and GREENPATCH_THREADPOOL_SIZE" {
  for val in abc -1 1x 8 5g 16383 99999999999999999999 ""; do
    run env GREENPATCH_STACK_SIZE="$val" LD_PRELOAD="$GP_LIB" timeout 30 "$PROGS/flags_probe"
    assert_failure 2
    assert_output --partial "greenpatch: GREENPATCH_STACK_SIZE: invalid value '$val'"
    assert_equal "${#lines[@]}" 1
  done
  for val in x -3 1k 100001 ""; do
    run env GREENPATCH_THREADPOOL_SIZE="$val" LD_PRELOAD="$GP_LIB" timeout 30 "$PROGS/flags_probe"
    assert_failure 2
    assert_output --partial "greenpatch: GREENPATCH_THREADPOOL_SIZE: invalid value '$val'"
  done
}

@test "good sizes are accepted" {
  probe GREENPATCH_STACK_SIZE=64k GREENPATCH_THREADPOOL_SIZE=0
  assert_output "thread=1 time=1 socket=1 select=1"
  probe GREENPATCH_STACK_SIZE=1M GREENPATCH_THREADPOOL_SIZE=40
  assert_output "thread=1 time=1 socket=1 select=1"
}

@test "the error comes before main runs: nothing of the program is printed" {
  run env GREENPATCH_TIME=sometimes LD_PRELOAD="$GP_LIB" timeout 30 echo program-ran
  assert_failure 2
  refute_output --partial program-ran
}
