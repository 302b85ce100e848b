#!/usr/bin/env bash
# make valgrind: memcheck, no error allowed (--error-exitcode=1), on
#  1. every unit test binary given as an argument (each test runs in a forked child: valgrind
#     follows the fork, and a child with an error fails its test); time limits stretched
#     (UNIT_TIME_SCALE), and the few tests whose assertions are about timing skipped (UNIT_SKIP):
#     memcheck runs code 20 to 50 times slower;
#  2. the echo demo: the legacy thread-per-connection echo server under the preload and memcheck,
#     VG_CLIENTS clients (default 200) x VG_ROUNDS round trips (20), every byte checked by the
#     native client, then SIGTERM (its handler reports the count and _exits).
# tools/valgrind.supp holds the suppressions (libunwind's probing of addresses).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "make valgrind: valgrind is not installed" >&2; exit 1; }
VG="valgrind --error-exitcode=1 --quiet --suppressions=$PWD/tools/valgrind.supp --num-callers=30"

# Timing, not memory: a sleeper order that assumes spawning 6 threads takes under 20 ms; worker
# counts that assume a worker starts within 1 ms; a watchdog that must look within a 400 ms spin
# (memcheck runs one thread at a time); an overflow line memcheck does not let through (it ends
# the process itself when a stack it knows overflows).
skip=(sleepers_wake_in_deadline_order a_blocking_job_runs_on_a_worker_while_the_hub_runs
  quick_jobs_share_one_worker blocking_jobs_get_more_workers_quick_ones_do_not
  watchdog_reports_a_spinning_thread_once overflow_line_names_the_thread_and_the_setting_then_sigsegv)
export UNIT_SKIP="${skip[*]}" UNIT_TIME_SCALE=10 UNIT_RUNNER="$VG"
echo "== unit tests under memcheck"
unit_rc=0
tools/run-unit.sh "$@" || unit_rc=$?

echo "== echo demo under memcheck"
# shellcheck source=bench/lib.sh
source bench/lib.sh
clients=${VG_CLIENTS:-200} rounds=${VG_ROUNDS:-20}
pf="$WORK/port" log="$WORK/server.log"
# shellcheck disable=SC2086 # VG is a command and its options
LD_PRELOAD="$LIB" $VG "$B/legacy_echo_server" 0 "$pf" 2>"$log" &
SERVER_PID=$!
for _ in $(seq 600); do [ -s "$pf" ] && break; sleep 0.1; done
[ -s "$pf" ] || { echo "the server did not start:" >&2; cat "$log" >&2; exit 1; }
demo_rc=0
out=$("$B/echo_client" "$(cat "$pf")" "$clients" "$rounds" 512 "$SERVER_PID") || demo_rc=$?
kill -TERM "$SERVER_PID"
server_rc=0
wait "$SERVER_PID" || server_rc=$?
SERVER_PID=
echo "client: $out"
grep -v 'unhandled amd64-linux syscall\|You may be able\|README_MISSING_SYSCALL\|Nevertheless we consider\|bug_reports' \
  "$log" || true
echo "server exit status $server_rc (memcheck's error exit code is 1)"
[ "$(field errors "$out")" = 0 ] || demo_rc=1
[ "$unit_rc" = 0 ] && [ "$demo_rc" = 0 ] && [ "$server_rc" = 0 ] && echo "make valgrind: clean"
