# shellcheck shell=bash
# Shared by demo.sh and run.sh (sourced, after set -euo pipefail). Servers run in the background,
# publish their port in a file, and are stopped by PID; every wait is bounded; a trap stops the
# server and removes the scratch directory however the script ends.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B="$ROOT/build/bench"
LIB="$ROOT/build/libgreenpatch.so"
WORK=$(mktemp -d)
SERVER_PID=
SERVER_LOG=
trap 'stop_server; rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # 1000 connections need more than the usual 1024

for prog in legacy_echo_server epoll_echo_server echo_client; do
  [ -x "$B/$prog" ] || { echo "$B/$prog is missing: run make first" >&2; exit 1; }
done
[ -f "$LIB" ] || { echo "$LIB is missing: run make first" >&2; exit 1; }

# mode_env MODE: the env command that runs a program natively (native) or under the preload
# (preload), in the array ENV_CMD. env execs the program: `"${ENV_CMD[@]}" prog &` leaves $! its PID.
mode_env() {
  if [ "$1" = preload ]; then ENV_CMD=(env LD_PRELOAD="$LIB"); else ENV_CMD=(env -u LD_PRELOAD); fi
}

# in_mode MODE CMD...: runs CMD natively or under the preload.
in_mode() { mode_env "$1"; shift; "${ENV_CMD[@]}" "$@"; }

# server_log MODE BINARY: where the last such server's stderr went (kept after it stopped).
server_log() { echo "$WORK/log.$1.$2"; }

# start_server MODE BINARY: sets SERVER_PID, SERVER_LOG (its stderr) and PORT.
start_server() {
  local mode=$1 bin=$2 pf="$WORK/port.$1.$2"
  rm -f "$pf"
  SERVER_LOG=$(server_log "$mode" "$bin")
  mode_env "$mode"
  "${ENV_CMD[@]}" "$B/$bin" 0 "$pf" 2>"$SERVER_LOG" &
  SERVER_PID=$!
  for _ in $(seq 200); do
    [ -s "$pf" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  if [ ! -s "$pf" ]; then
    echo "server $bin ($mode) did not start:" >&2; cat "$SERVER_LOG" >&2
    stop_server; return 1
  fi
  PORT=$(cat "$pf")
}

# stop_server: SIGTERM, up to 5 s for it to go, then SIGKILL.
stop_server() {
  [ -n "${SERVER_PID:-}" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

# echo_load MODE SERVER CONNS ROUNDS SIZE: one server, one client run; prints the client's line,
# fails (with the client's and server's complaints on stderr) when any byte was lost or wrong.
echo_load() {
  local out rc=0
  start_server "$1" "$2" || return 1
  out=$("$B/echo_client" "$PORT" "$3" "$4" "$5" "$SERVER_PID" 2>"$WORK/client.err") || rc=$?
  stop_server
  if [ "$rc" != 0 ]; then
    echo "echo run failed ($2, $1, $3 connections): $out" >&2
    cat "$WORK/client.err" "$SERVER_LOG" >&2
    return 1
  fi
  echo "$out"
}

# field NAME LINE: the value of NAME=value in a key=value line.
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

# median NUMBERS...
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# ratio A B: A/B to two decimals ("-" when B is 0 or missing)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

# commas NUMBER: 1234567 -> 1,234,567 (integer part only)
commas() { sed -e ':a' -e 's/\(^\|[^0-9.]\)\([0-9]\+\)\([0-9]\{3\}\)/\1\2,\3/' -e 'ta' <<<"$1"; }

# max NUMBERS...
max() { printf '%s\n' "$@" | sort -g | tail -n 1; }
