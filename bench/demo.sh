#!/usr/bin/env bash
# make demo: the legacy thread-per-connection echo server (bench/legacy_echo_server.c, an ordinary
# pthread program) under the preload with 1000 concurrent clients x 100 round trips x 512 bytes,
# then the same server natively, side by side. Fails if a byte is lost or wrong.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CLIENTS=${DEMO_CLIENTS:-1000} ROUNDS=${DEMO_ROUNDS:-100} SIZE=512

run() { # MODE -> prints the client's line
  start_server "$1" legacy_echo_server
  local out
  out=$("$B/echo_client" "$PORT" "$CLIENTS" "$ROUNDS" "$SIZE" "$SERVER_PID") || { echo "$out"; return 1; }
  stop_server
  echo "$out"
}

echo "greenpatch demo: legacy echo server, $CLIENTS clients x $ROUNDS round trips x $SIZE B"
echo
green=$(run preload) || { echo "FAILED under the preload: $green"; exit 1; }
native=$(run native) || { echo "FAILED natively: $native"; exit 1; }
printf '%-28s %14s %14s\n' "" "greenpatch" "native"
for f in clients bytes_verified errors server_threads_max rtt_per_sec seconds; do
  printf '%-28s %14s %14s\n' "$f" "$(field "$f" "$green")" "$(field "$f" "$native")"
done
echo
echo "under greenpatch: $(field clients "$green") clients served on $(field server_threads_max "$green") OS thread(s)," \
  "$(ratio "$(field rtt_per_sec "$green")" "$(field rtt_per_sec "$native")")x the native round-trip rate," \
  "every byte verified."
