#!/usr/bin/env bash
# make demo: the legacy thread-per-connection echo server (bench/legacy_echo_server.c, an ordinary
# pthread program that knows nothing of greenpatch) under the preload with 1000 concurrent clients
# x 100 round trips x 512 bytes, every echoed byte verified; then the same server natively, side by
# side. Exits non-zero if a byte was lost or wrong in either run.
# DEMO_CLIENTS and DEMO_ROUNDS change the load (e.g. DEMO_CLIENTS=10000 DEMO_ROUNDS=20).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
CLIENTS=${DEMO_CLIENTS:-1000} ROUNDS=${DEMO_ROUNDS:-100} SIZE=512
EXPECTED=$((CLIENTS * ROUNDS * SIZE))

# run MODE: prints the client's line plus served=N, the server's own count of its clients.
run() {
  local out
  out=$(echo_load "$1" legacy_echo_server "$CLIENTS" "$ROUNDS" "$SIZE") || return 1
  echo "$out served=$(field served "$(cat "$(server_log "$1" legacy_echo_server)")")"
}

row() { # LABEL FIELD
  printf '  %-34s %14s %14s\n' "$1" "$(commas "$(field "$2" "$green")")" "$(commas "$(field "$2" "$native")")"
}

echo "greenpatch demo: bench/legacy_echo_server, an unmodified thread-per-connection server"
echo "(one pthread per client, blocking accept/read/write), $CLIENTS concurrent clients x $ROUNDS round trips"
echo "x $SIZE B, every echoed byte checked"
echo
green=$(run preload) || { echo "FAILED under greenpatch" >&2; exit 1; }
native=$(run native) || { echo "FAILED natively" >&2; exit 1; }
printf '  %-34s %14s %14s\n' "" "greenpatch" "native"
row "clients served (server's count)" served
row "bytes verified (expected $(commas "$EXPECTED"))" bytes_verified
row "errors" errors
row "server OS threads (most seen)" server_threads_max
row "round trips per second" rtt_per_sec
row "seconds" seconds
echo
for line in "$green" "$native"; do
  if [ "$(field errors "$line")" != 0 ] || [ "$(field bytes_verified "$line")" != "$EXPECTED" ]; then
    echo "FAILED: bytes lost or wrong" >&2
    exit 1
  fi
done
echo "greenpatch: $(field served "$green") clients served by $(field server_threads_max "$green") OS thread(s)," \
  "every byte verified; natively the same server needed $(field server_threads_max "$native") OS threads."
echo "round trips per second: $(ratio "$(field rtt_per_sec "$green")" "$(field rtt_per_sec "$native")")x" \
  "the native rate."
