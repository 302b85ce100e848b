# Shared by demo.sh and run.sh (sourced). Servers run in the background, publish their port in a
# file, and are stopped by PID; every wait is bounded.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B="$ROOT/build/bench"
LIB="$ROOT/build/libgreenpatch.so"
WORK=$(mktemp -d)
SERVER_PID=
trap 'stop_server; rm -rf "$WORK"' EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# start_server MODE BINARY: MODE is native or preload; sets SERVER_PID and PORT.
start_server() {
  local mode=$1 bin=$2 pf="$WORK/port.$RANDOM"
  if [ "$mode" = preload ]; then
    LD_PRELOAD="$LIB" "$B/$bin" 0 "$pf" & SERVER_PID=$!
  else
    "$B/$bin" 0 "$pf" & SERVER_PID=$!
  fi
  for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.05; done
  [ -s "$pf" ] || { echo "server $bin ($mode) did not start" >&2; return 1; }
  PORT=$(cat "$pf")
}

stop_server() {
  [ -n "${SERVER_PID:-}" ] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

# field NAME LINE: the value of NAME=value in a key=value line.
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

# median of the numbers given as arguments
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# ratio A B, to two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }
