# Loaded at the top of every BATS file (not from setup(): bats starts a test's timeout watchdog
# before setup runs, so BATS_TEST_TIMEOUT must be set when the file is sourced).
# Paths, assertions, and the commands to run a program natively or under the preload, bounded.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
GP_LIB="${GP_LIB:-$ROOT/build/libgreenpatch.so}" # the library (make asan names its ASan build)
GP_PRELOAD="${GP_PRELOAD:-$GP_LIB}"               # what LD_PRELOAD gets (make asan: the ASan runtime first)
PROGS="$ROOT/build/tests/progs"
BENCH="$ROOT/build/bench"
GP_TIMEOUT=${GP_TIMEOUT:-30}             # seconds for any one program run
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-90} # seconds for any one test, whatever it runs

# gp CMD...: run CMD under the preload, bounded in time (`timeout` itself runs natively).
gp() { timeout "$GP_TIMEOUT" env LD_PRELOAD="$GP_PRELOAD" "$@"; }
# gp_env VAR=VALUE... CMD...: the same with some GREENPATCH_* (or other) variables set.
gp_env() {
  local vars=()
  while [[ $# -gt 0 && "$1" == *=* ]]; do vars+=("$1"); shift; done
  timeout "$GP_TIMEOUT" env "${vars[@]}" LD_PRELOAD="$GP_PRELOAD" "$@"
}
# native CMD...: the same program without the preload, bounded in time.
native() { timeout "$GP_TIMEOUT" "$@"; }

# same_as_native PROG [ARGS]: output under the preload equals the native output, status 0.
same_as_native() {
  local expected
  expected=$(native "$@")
  run gp "$@"
  assert_success
  assert_output "$expected"
}

# field NAME: the value of NAME=value in $output.
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$output" | head -n 1; }

# assert_lt A B / assert_ge A B: numeric comparisons (for wide-margin time bounds and counts).
assert_lt() {
  [[ -n "$1" ]] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }' || fail "expected $1 < $2 (output: $output)"
}
assert_ge() {
  [[ -n "$1" ]] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }' || fail "expected $1 >= $2 (output: $output)"
}

# os_threads PID: the number of OS threads (tasks) of a running process, seen from outside.
os_threads() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }

# nonblock_flag FD [PID]: 1 if the open file behind FD of PID (default: this shell) is O_NONBLOCK.
nonblock_flag() {
  local flags
  flags=$(awk '/^flags:/ { print $2 }' "/proc/${2:-$BASHPID}/fdinfo/$1") && [[ -n "$flags" ]] ||
    { echo "no fd $1 in process ${2:-$BASHPID}" >&2; echo "?"; return 1; }
  echo $(((8#$flags & 8#4000) != 0))
}

# wait_for_file FILE: wait (at most 10 s) until FILE exists and is not empty.
wait_for_file() {
  local i
  for i in $(seq 200); do [[ -s "$1" ]] && return 0; sleep 0.05; done
  return 1
}

# stop PID: stop a background server started by a test, by its PID only.
stop() {
  [[ -n "${1:-}" ]] || return 0
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# now_ms: wall-clock milliseconds, for coarse bounds on how long a whole program ran.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
