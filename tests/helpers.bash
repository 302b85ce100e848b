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

# listens PID PORT: PID holds a TCP socket listening on PORT (IPv4), seen in /proc/net/tcp.
listens() {
  local inode
  for inode in $(awk -v p="$(printf ':%04X' "$2")" '$2 ~ p"$" && $4 == "0A" { print $10 }' /proc/net/tcp); do
    ls -l "/proc/$1/fd" 2>/dev/null | grep -q "socket:\[$inode\]" && return 0
  done
  return 1
}

# start_server LOG CMD...: run CMD in the background as SERVER_PID (teardown stops it), its output
# in LOG, and wait (at most 10 s) until LOG names its port ("port N", or "HOST:N") and the process
# listens there on 127.0.0.1; sets port. CMD must exec the server (no `timeout` in front).
start_server() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 3>&- &
  SERVER_PID=$!
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/.*\(port \|:\)\([0-9][0-9]*\).*/\2/p' "$log" | head -n 1)
    [ -n "$port" ] && listens "$SERVER_PID" "$port" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "$* did not start:" >&2
  cat "$log" >&2
  return 1
}

# wait_gone PID: wait (at most 10 s) for a background process of this shell to end; its status.
wait_gone() {
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  wait "$1"
}

# same_as_native_hb PROG [ARGS]: like same_as_native for the programs that print heartbeat lines
# ("hb: LABEL ticks=N max_gap_ms=X os_threads=N", tests/progs/watch.h): the native run must
# succeed, the preloaded one too, and both outputs must be equal but for those lines (their figures
# differ natively); a failure shows the status and the difference as a diff.
# $output keeps the preloaded run's hb lines for hb_ok.
same_as_native_hb() {
  local expected rc=0
  expected=$(native "$@") || rc=$?
  [[ $rc == 0 ]] || fail "the native run of $* failed (status $rc): $expected"
  run gp "$@"
  local d
  d=$(diff <(grep -av '^hb: ' <<<"$expected") <(grep -av '^hb: ' <<<"$output")) || true
  [[ $status == 0 && -z "$d" ]] ||
    fail "preloaded run: status $status (natively 0); output (< native, > preloaded):
${d:-the same}"
}

# hb_ok LABEL [MIN_TICKS [MAX_OS_THREADS [MAX_GAP_MS]]]: the "hb: LABEL" line of $output shows a
# heartbeat that kept ticking through the window (at least MIN_TICKS ticks, default 5; never more
# than MAX_GAP_MS without one, default 50) in a process that had at most MAX_OS_THREADS OS threads
# (default 1) meanwhile.
hb_ok() {
  local line ticks gap thr
  line=$(grep -a "^hb: $1 " <<<"$output" | head -n 1)
  [[ -n "$line" ]] || fail "no heartbeat line 'hb: $1' (output: $output)"
  ticks=$(sed -n 's/.* ticks=\([0-9]*\).*/\1/p' <<<"$line")
  gap=$(sed -n 's/.* max_gap_ms=\([0-9.]*\).*/\1/p' <<<"$line")
  thr=$(sed -n 's/.* os_threads=\([0-9]*\).*/\1/p' <<<"$line")
  awk -v t="$ticks" -v g="$gap" -v n="$thr" -v mt="${2:-5}" -v mg="${4:-50}" -v mn="${3:-1}" \
    'BEGIN { exit !(t >= mt && g < mg && n <= mn) }' ||
    fail "heartbeat $1: wanted ticks>=${2:-5} max_gap_ms<${4:-50} os_threads<=${3:-1}, got: $line"
}
