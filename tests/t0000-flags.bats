#!/usr/bin/env bats
# The GREENPATCH_* flags: eventlet.monkey_patch semantics, shown by behaviour (flags_probe) and,
# for every combination, by the public greenpatch_patched() mask; a clear one-line error with exit
# status 2 for every bad value of every variable (the diagnostics' too).

load helpers

MODS="OS SELECT SOCKET THREAD TIME"

# truthy VALUE: 0 if VALUE is one of the accepted true words (any case), 1 if a false one.
truthy() { case "${1,,}" in 1 | true | yes | on) return 0 ;; *) return 1 ;; esac; }

# patched_set VAR=VALUE...: the modules eventlet would patch for these settings, as
# "os select socket thread time" words (0/1), from monkey_patch's rule: a module set on its own wins;
# otherwise ALL decides; with ALL unset, every module unless some module was set true.
patched_set() {
  local kv k v m all="" any_true=0
  declare -gA want=()
  for kv in "$@"; do
    k=${kv%%=*} v=${kv#*=} k=${k#GREENPATCH_}
    if [[ $k == ALL ]]; then all=$v; else want[$k]=$v; truthy "$v" && any_true=1; fi
  done
  for m in $MODS; do
    if [[ -n "${want[$m]+x}" ]]; then truthy "${want[$m]}" && want[$m]=1 || want[$m]=0
    elif [[ -n "$all" ]]; then truthy "$all" && want[$m]=1 || want[$m]=0
    else want[$m]=$((1 - any_true)); fi
  done
}

# expected_probe VAR=VALUE...: what flags_probe prints for these settings.
expected_probe() {
  patched_set "$@"
  if [[ ${want[THREAD]} == 0 ]]; then echo "thread=0"; return; fi
  echo "thread=1 time=${want[TIME]} socket=${want[SOCKET]} select=${want[SELECT]} os=${want[OS]}"
}

# expected_mask VAR=VALUE...: greenpatch_patched() for these settings (os 1, select 2, socket 4,
# thread 8, time 16).
expected_mask() {
  patched_set "$@"
  printf '0x%02x' $((want[OS] | want[SELECT] << 1 | want[SOCKET] << 2 | want[THREAD] << 3 | want[TIME] << 4))
}

# probe VAR=VALUE...: flags_probe under the preload with these settings must show the expected set.
probe() {
  run gp_env "$@" "$PROGS/flags_probe"
  assert_success
  assert_output "$(expected_probe "$@")"
}

@test "nothing set: every module patched" {
  run gp "$PROGS/flags_probe"
  assert_success
  assert_output "thread=1 time=1 socket=1 select=1 os=1"
}

@test "the same probe natively shows no patched module" {
  run native "$PROGS/flags_probe"
  assert_success
  assert_output "thread=0"
}

@test "a module set false is excluded, the others stay patched" {
  probe GREENPATCH_TIME=0
  assert_output "thread=1 time=0 socket=1 select=1 os=1"
  probe GREENPATCH_SOCKET=off
  assert_output "thread=1 time=1 socket=0 select=1 os=1"
  probe GREENPATCH_SELECT=no
  assert_output "thread=1 time=1 socket=1 select=0 os=1"
  probe GREENPATCH_OS=false
  assert_output "thread=1 time=1 socket=1 select=1 os=0"
  probe GREENPATCH_THREAD=0
  assert_output "thread=0"
  probe GREENPATCH_TIME=0 GREENPATCH_SOCKET=0 GREENPATCH_SELECT=0 GREENPATCH_OS=0
  assert_output "thread=1 time=0 socket=0 select=0 os=0"
}

@test "modules set true: only those are patched" {
  probe GREENPATCH_THREAD=1
  assert_output "thread=1 time=0 socket=0 select=0 os=0"
  for m in TIME SOCKET SELECT OS; do
    probe GREENPATCH_THREAD=1 "GREENPATCH_$m=1"
    probe "GREENPATCH_$m=1" # without thread, the program's threads are native again
    assert_output "thread=0"
  done
  probe GREENPATCH_THREAD=yes GREENPATCH_SOCKET=on
  assert_output "thread=1 time=0 socket=1 select=0 os=0"
  probe GREENPATCH_THREAD=true GREENPATCH_TIME=true GREENPATCH_SELECT=false
  assert_output "thread=1 time=1 socket=0 select=0 os=0"
}

@test "ALL=1 patches all but those set false; ALL=0 none but those set true" {
  probe GREENPATCH_ALL=1
  assert_output "thread=1 time=1 socket=1 select=1 os=1"
  for m in TIME SOCKET SELECT OS; do
    probe GREENPATCH_ALL=1 "GREENPATCH_$m=0"
    probe GREENPATCH_ALL=0 GREENPATCH_THREAD=1 "GREENPATCH_$m=1"
  done
  probe GREENPATCH_ALL=1 GREENPATCH_THREAD=0
  assert_output "thread=0"
  probe GREENPATCH_ALL=1 GREENPATCH_SOCKET=1 # a true module does not narrow ALL=1
  assert_output "thread=1 time=1 socket=1 select=1 os=1"
  probe GREENPATCH_ALL=0 GREENPATCH_THREAD=1 GREENPATCH_TIME=1
  assert_output "thread=1 time=1 socket=0 select=0 os=0"
  probe GREENPATCH_ALL=0
  assert_output "thread=0"
}

# mask_table SETTINGS...: for each setting (a space-separated list of VAR=VALUE, "-" for none),
# compare api_info's mask with eventlet's rule; prints one line per mismatch and the count checked.
# Run as a plain bash script: bats' per-command debug trap would make the loop slow.
mask_table() {
  run bash -c "MODS='$MODS'; $(declare -f truthy patched_set expected_mask)"'
    n=0
    while read -r -a vars; do
      [[ ${vars[0]} == - ]] && vars=()
      got=$(env -u LD_PRELOAD "${vars[@]}" timeout 10 "$0" "$1") || { echo "api_info failed: ${vars[*]}"; continue; }
      got=${got##*patched=}
      exp=$(expected_mask "${vars[@]}")
      [[ "$got" == "$exp" ]] || echo "settings ${vars[*]:-(none)}: got $got, expected $exp"
      n=$((n + 1))
    done
    echo "checked=$n"' "$PROGS/api_info" "$GP_LIB"
  assert_success
}

@test "the whole flag table (ALL and each module unset/1/0, 729 settings) gives eventlet's mask" {
  mask_table < <(
    for a in - 1 0; do for o in - 1 0; do for se in - 1 0; do for so in - 1 0; do for th in - 1 0; do for ti in - 1 0; do
      v=""
      [[ $a == - ]] || v+=" GREENPATCH_ALL=$a"
      [[ $o == - ]] || v+=" GREENPATCH_OS=$o"
      [[ $se == - ]] || v+=" GREENPATCH_SELECT=$se"
      [[ $so == - ]] || v+=" GREENPATCH_SOCKET=$so"
      [[ $th == - ]] || v+=" GREENPATCH_THREAD=$th"
      [[ $ti == - ]] || v+=" GREENPATCH_TIME=$ti"
      echo "${v:--}"
    done; done; done; done; done; done)
  assert_output "checked=729"
}

@test "THREAD=0: pthreads are native OS threads again" {
  run gp_env GREENPATCH_THREAD=0 "$PROGS/sleepers" 50 100 usleep
  assert_success
  assert_ge "$(field os_threads)" 51
  run gp "$PROGS/sleepers" 50 100 usleep
  assert_success
  assert_equal "$(field os_threads)" 1
}

@test "values are case-insensitive" {
  probe GREENPATCH_TIME=OFF GREENPATCH_SOCKET=False
  assert_output "thread=1 time=0 socket=0 select=1 os=1"
  probe GREENPATCH_ALL=TRUE GREENPATCH_SELECT=No GREENPATCH_OS=oFf
  assert_output "thread=1 time=1 socket=1 select=0 os=0"
  probe GREENPATCH_THREAD=YES GREENPATCH_TIME=On
  assert_output "thread=1 time=1 socket=0 select=0 os=0"
  mask_table < <(
    for v in 1 0 true false yes no on off TRUE FALSE YES NO ON OFF True fAlSe yEs nO oN OfF; do
      for var in ALL OS SELECT SOCKET THREAD TIME; do
        echo "GREENPATCH_$var=$v"
        echo "GREENPATCH_$var=$v GREENPATCH_ALL=${v^^}"
      done
    done)
  assert_output "checked=240"
}

@test "every bad module value stops the program with one line naming the variable, status 2" {
  for var in ALL OS SELECT SOCKET THREAD TIME; do
    for val in maybe 2 -1 "" " 1" "1 " yes! tru y t enable 0x1 'O N' ónn; do
      run env "GREENPATCH_$var=$val" LD_PRELOAD="$GP_PRELOAD" timeout 30 "$PROGS/flags_probe"
      assert_failure 2
      assert_output "greenpatch: GREENPATCH_$var: invalid value '$val' (accepted: 1, 0, true, false, yes, no, on, off)"
    done
  done
}

@test "one bad variable among good ones is still refused, and named" {
  run gp_env GREENPATCH_ALL=1 GREENPATCH_TIME=0 GREENPATCH_SOCKET=sometimes "$PROGS/flags_probe"
  assert_failure 2
  assert_output "greenpatch: GREENPATCH_SOCKET: invalid value 'sometimes' (accepted: 1, 0, true, false, yes, no, on, off)"
}

@test "bad sizes stop the program: GREENPATCH_STACK_SIZE and GREENPATCH_THREADPOOL_SIZE" {
  for val in abc -1 1x 8 5g 16383 99999999999999999999 "" 1kk k " 64k" 64k! 1.5m; do
    run env GREENPATCH_STACK_SIZE="$val" LD_PRELOAD="$GP_PRELOAD" timeout 30 "$PROGS/flags_probe"
    assert_failure 2
    assert_output --regexp "^greenpatch: GREENPATCH_STACK_SIZE: invalid value '$(printf '%s' "$val" | sed 's/[.]/[.]/g')' \\(accepted: [^)]+\\)\$"
    assert_equal "${#lines[@]}" 1
  done
  for val in x -3 1k 100001 "" 99999999999999999999 " 4" 4.0 0x10; do
    run env GREENPATCH_THREADPOOL_SIZE="$val" LD_PRELOAD="$GP_PRELOAD" timeout 30 "$PROGS/flags_probe"
    assert_failure 2
    assert_output --regexp "^greenpatch: GREENPATCH_THREADPOOL_SIZE: invalid value '$(printf '%s' "$val" | sed 's/[.]/[.]/g')' \\(accepted: [^)]+\\)\$"
    assert_equal "${#lines[@]}" 1
  done
}

@test "GREENPATCH_DEADLOCK takes off, report or abort; anything else stops the program" {
  for val in off report abort OFF Abort; do
    run gp_env GREENPATCH_DEADLOCK="$val" "$PROGS/api_info" "$GP_LIB"
    assert_success
  done
  for val in "" 1 yes warn "report " reports; do
    run env GREENPATCH_DEADLOCK="$val" LD_PRELOAD="$GP_PRELOAD" timeout 30 "$PROGS/flags_probe"
    assert_failure 2
    assert_output "greenpatch: GREENPATCH_DEADLOCK: invalid value '$val' (accepted: off, report, abort)"
  done
}

@test "bad values of the diagnostics' variables stop the program with one line naming the variable, status 2" {
  for val in "" -1 1s 100ms abc 3600001 " 100" 1k on; do
    run env GREENPATCH_HUB_BLOCKING_DETECTION="$val" LD_PRELOAD="$GP_PRELOAD" timeout 30 "$PROGS/flags_probe"
    assert_failure 2
    assert_output "greenpatch: GREENPATCH_HUB_BLOCKING_DETECTION: invalid value '$val' (accepted: milliseconds, a whole number from 1 to 3600000, or 0 for off)"
  done
  for val in "" KILL SIGSTOP SEGV 11 BUS 63 32 65 USR3 "USR1 " RTMIN-1; do
    run env GREENPATCH_DUMP_SIGNAL="$val" LD_PRELOAD="$GP_PRELOAD" timeout 30 "$PROGS/flags_probe"
    assert_failure 2
    assert_output --regexp "^greenpatch: GREENPATCH_DUMP_SIGNAL: invalid value '$val' \(accepted: a signal name [^)]*\(USR2, SIGUSR1, RTMIN\+1, \.\.\.\) or number from 1 to 64, other than KILL, STOP, ILL, TRAP, BUS, FPE, SEGV, 32, 33 and 63; or off\)\$"
    assert_equal "${#lines[@]}" 1
  done
  for val in "" 2 maybe y enabled; do
    run env GREENPATCH_STATS="$val" LD_PRELOAD="$GP_PRELOAD" timeout 30 "$PROGS/flags_probe"
    assert_failure 2
    assert_output "greenpatch: GREENPATCH_STATS: invalid value '$val' (accepted: 1, 0, true, false, yes, no, on, off)"
  done
}

@test "good values of the diagnostics' variables are accepted" {
  for v in "GREENPATCH_HUB_BLOCKING_DETECTION=0" "GREENPATCH_HUB_BLOCKING_DETECTION=250" "GREENPATCH_DUMP_SIGNAL=off" \
    "GREENPATCH_DUMP_SIGNAL=usr2" "GREENPATCH_DUMP_SIGNAL=SIGRTMIN+3" "GREENPATCH_DUMP_SIGNAL=10" "GREENPATCH_STATS=0"; do
    run gp_env "$v" "$PROGS/api_info" "$GP_LIB"
    assert_success
    assert_output --regexp 'patched=0x1f$'
  done
}

@test "good sizes are accepted" {
  for s in 16k 16384 64K 1M 1m 8388608; do
    for p in 0 1 20 40; do
      run gp_env GREENPATCH_STACK_SIZE="$s" GREENPATCH_THREADPOOL_SIZE="$p" "$PROGS/api_info" "$GP_LIB"
      assert_success
      assert_output --regexp 'patched=0x1f$'
    done
  done
  probe GREENPATCH_STACK_SIZE=64k GREENPATCH_THREADPOOL_SIZE=0
  assert_output "thread=1 time=1 socket=1 select=1 os=1"
}

@test "the error comes before main runs: nothing of the program is printed" {
  run env GREENPATCH_TIME=sometimes LD_PRELOAD="$GP_PRELOAD" timeout 30 echo program-ran
  assert_failure 2
  refute_output --partial program-ran
  run env GREENPATCH_STACK_SIZE=huge LD_PRELOAD="$GP_PRELOAD" timeout 30 echo program-ran
  assert_failure 2
  refute_output --partial program-ran
}

@test "GREENPATCH_STACK_SIZE sets the stack of threads created without a size" {
  run native "$PROGS/stack_depth" 1024
  assert_output "recursed 1024 KiB deep: ok"
  run gp_env GREENPATCH_STACK_SIZE=2m "$PROGS/stack_depth" 1024
  assert_success
  assert_output "recursed 1024 KiB deep: ok"
  run gp_env GREENPATCH_STACK_SIZE=64k "$PROGS/stack_depth" 1024 # overflows: the guard page stops it
  assert_failure
  refute_output --partial "recursed"
  run gp_env GREENPATCH_STACK_SIZE=64k "$PROGS/stack_depth" 32
  assert_success
}
