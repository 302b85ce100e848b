#!/usr/bin/env bash
# make soak: the bundled legacy echo server (bench/legacy_echo_server.c, thread per connection)
# under the preload, SOAK_CONNS persistent connections (10,000) doing round trips for SOAK_SECONDS
# (60), each pausing SOAK_THINK_MS (200) between them, while SOAK_CHURN (100) short-lived
# connections open, do 1 to 3 round trips and close (plain close, half-close, reset, or with an
# echo unread) all the time; every byte is checked (bench/soak_client.c). SOAK_MODE=native runs
# the same server without the preload.
# Passes when: no error and the checksums of the bytes sent and echoed are equal; the server's
# RSS is flat: from the middle of the run to its end (the same persistent connections open, the
# churn going on) it grows by less than 16 bytes per connection churned meanwhile or 512 KiB,
# whichever is more (a leaked malloc block is 32 bytes at least, a leaked stack page 4096); and
# once the clients are gone the server holds exactly the descriptors it held before them.
# The descriptor baseline is taken after a warm-up of two connections, so that it includes the
# hub's epoll set and eventfd, which the runtime makes at the first wait and keeps.
# Needs `ulimit -n` above SOAK_CONNS + SOAK_CHURN + 100: raised to the hard limit, else it says
# so and skips (exit 0). Exit status 1 on failure.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
CONNS=${SOAK_CONNS:-10000} SECS=${SOAK_SECONDS:-60} CHURN=${SOAK_CHURN:-100}
THINK=${SOAK_THINK_MS:-200} MODE=${SOAK_MODE:-preload}
[ -x "$B/soak_client" ] || { echo "$B/soak_client is missing: run make first" >&2; exit 1; }

need=$((CONNS + CHURN + 100))
if [ "$(ulimit -n)" -lt "$need" ]; then
  echo "soak: SKIPPED: $CONNS + $CHURN connections need $need descriptors in the server and in the" \
    "client, and the hard limit (ulimit -Hn) is $(ulimit -Hn); raise it (as root: ulimit -Hn $need," \
    "or nofile in /etc/security/limits.conf) or lower SOAK_CONNS"
  exit 0
fi

fds() { find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status"; }
# settle: wait (at most 10 s) until the server's descriptor count stays the same for 0.3 s and is
# at most $1 (when given); prints it.
settle() {
  local prev=-1 same=0 n
  for _ in $(seq 100); do
    n=$(fds)
    if [ "$n" = "$prev" ] && { [ -z "${1:-}" ] || [ "$n" -le "$1" ]; }; then
      same=$((same + 1)); [ "$same" -ge 3 ] && break
    else
      same=0
    fi
    prev=$n
    sleep 0.1
  done
  echo "$n"
}
fd_list() { ls -l "/proc/$SERVER_PID/fd" 2>/dev/null | awk 'NR > 1 { print $(NF-2), $NF }' | sort -n; }

start_server "$MODE" legacy_echo_server
"$B/soak_client" "$PORT" 2 0.3 0 0 >/dev/null 2>"$WORK/warmup.err" ||
  { echo "soak: the warm-up failed:" >&2; cat "$WORK/warmup.err" "$SERVER_LOG" >&2; exit 1; }
fds_start=$(settle)
fd_list >"$WORK/fds.start"
rss_idle=$(rss_kb)

echo "soak: legacy_echo_server ($MODE), $CONNS connections for $SECS s (a round trip every ${THINK} ms" \
  "each), $CHURN more opening and closing all the time"
rc=0
out=$("$B/soak_client" "$PORT" "$CONNS" "$SECS" "$CHURN" "$THINK" "$SERVER_PID" 2>"$WORK/client.err") || rc=$?
fds_after=$(settle "$fds_start")
fd_list >"$WORK/fds.after"
rss_after=$(rss_kb)
stop_server
served=$(field served "$(cat "$SERVER_LOG")")

f() { field "$1" "$out"; }
mid=$(f rss_mid_kb) end=$(f rss_end_kb) after_mid=$(f churned_after_mid)
growth=$((end - mid))
allowed=$(( (after_mid * 16 + 1023) / 1024 > 512 ? (after_mid * 16 + 1023) / 1024 : 512 ))
per_conn=$(awk -v g="$growth" -v n="$after_mid" 'BEGIN { printf "%.1f", n ? g * 1024 / n : 0 }')

printf '  %-46s %s\n' "round trips (per second)" "$(commas "$(f round_trips)") ($(commas "$(f rtt_per_sec)"))" \
  "connections churned (per second)" "$(commas "$(f churned)") ($(commas "$(f churned_per_sec)")): $(f closed) closed," \
  "" "$(f halfclosed) half-closed, $(f reset) reset, $(f dropped) with an echo unread" \
  "clients the server counted" "$(commas "$served")" \
  "bytes verified" "$(commas "$(f bytes_verified)")" \
  "checksum sent / echoed" "$(f checksum_sent) / $(f checksum_recv)" \
  "errors" "$(f errors)" \
  "server RSS idle, warm, middle, end, max (KiB)" "$rss_idle, $(f rss_warm_kb), $mid, $end, $(f rss_max_kb)" \
  "RSS growth middle -> end" "$growth KiB over $(commas "$after_mid") connections ($per_conn B each; allowed $allowed KiB)" \
  "server RSS after the clients left (KiB)" "$rss_after" \
  "server descriptors before / after the clients" "$fds_start / $fds_after"

fail=()
[ "$rc" = 0 ] && [ "$(f errors)" = 0 ] || fail+=("errors (client exit status $rc)")
[ "$(f checksum_sent)" = "$(f checksum_recv)" ] || fail+=("checksums differ")
[ "$growth" -le "$allowed" ] || fail+=("RSS not flat: $growth KiB > $allowed KiB")
[ "$fds_after" = "$fds_start" ] || fail+=("descriptors: $fds_after after, $fds_start before")
if [ ${#fail[@]} -gt 0 ]; then
  echo "soak: FAILED: ${fail[*]}" >&2
  head -n 20 "$WORK/client.err" >&2
  diff "$WORK/fds.start" "$WORK/fds.after" >&2 || true
  exit 1
fi
echo "soak: PASS: 0 errors, checksums equal, RSS flat, descriptors back to $fds_start"
