#!/usr/bin/env bash
# make bench: every figure is the median of several runs, native and preloaded runs interleaved in
# the same session, printed as one table of absolute figures and ratios. `run.sh quick` is shorter.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if [ "${1:-}" = quick ]; then REPS=3 EREPS=1 TRIPS=50000; else REPS=5 EREPS=3 TRIPS=100000; fi

# echo_run MODE SERVER CONNS -> "rtt threads_max": TRIPS round trips in all, spread over CONNS
# connections (short runs are dominated by noise on a small machine)
echo_run() {
  start_server "$1" "$2"
  local out
  out=$("$B/echo_client" "$PORT" "$3" $((TRIPS / $3)) 512 "$SERVER_PID") || { stop_server; echo "echo run failed: $out" >&2; return 1; }
  stop_server
  echo "$(field rtt_per_sec "$out") $(field server_threads_max "$out")"
}

declare -A RTT THR
echo_bench() { # CONNS: interleaves the three servers EREPS times
  local c=$1 key v
  declare -A runs=()
  for _ in $(seq "$EREPS"); do
    for key in preload:legacy_echo_server native:legacy_echo_server native:epoll_echo_server; do
      v=$(echo_run "${key%%:*}" "${key#*:}" "$c")
      runs[$key]="${runs[$key]:-} ${v% *}"
      THR[$key:$c]=${v#* }
    done
  done
  for key in "${!runs[@]}"; do
    # shellcheck disable=SC2086
    RTT[$key:$c]=$(median ${runs[$key]})
  done
}

# micro NAME NATIVE_N PRELOAD_N -> sets NATIVE and GREEN to the median ns_per_op (native runs
# are shorter: a native hand-off costs microseconds, not nanoseconds)
micro() {
  local name=$1 nn=$2 gn=$3 n=() g=()
  for _ in $(seq "$REPS"); do
    n+=("$(field ns_per_op "$("$B/$name" "$nn")")")
    g+=("$(field ns_per_op "$(LD_PRELOAD="$LIB" "$B/$name" "$gn")")")
  done
  NATIVE=$(median "${n[@]}") GREEN=$(median "${g[@]}")
}

echo "greenpatch benchmarks ($(nproc) cores; medians of $REPS micro runs, $EREPS echo runs)"
echo
echo "(a) echo server, 512-byte request/response, $TRIPS round trips per run"
printf '    %-6s %16s %16s %16s %10s %10s\n' conns "preload rt/s" "native rt/s" "epoll rt/s" "pre/epoll" "nat/epoll"
for c in 100 1000; do
  echo_bench "$c"
  p=${RTT[preload:legacy_echo_server:$c]} n=${RTT[native:legacy_echo_server:$c]} e=${RTT[native:epoll_echo_server:$c]}
  printf '    %-6s %16s %16s %16s %10s %10s\n' "$c" "$p" "$n" "$e" "$(ratio "$p" "$e")" "$(ratio "$n" "$e")"
done
printf '    server OS threads at 1000 connections: preload %s, native %s\n' \
  "${THR[preload:legacy_echo_server:1000]}" "${THR[native:legacy_echo_server:1000]}"
echo
printf '    %-34s %12s %12s %10s\n' "" "native ns" "preload ns" "speedup"
micro handoff 50000 1000000
printf '(b) %-34s %12s %12s %10s\n' "mutex+condvar hand-off" "$NATIVE" "$GREEN" "$(ratio "$NATIVE" "$GREEN")x"
micro create_join 20000 200000
printf '(c) %-34s %12s %12s %10s\n' "pthread create+join" "$NATIVE" "$GREEN" "$(ratio "$NATIVE" "$GREEN")x"
micro ready_read 200 200
printf '(e) %-34s %12s %12s %10s\n' "read() on a ready socket" "$NATIVE" "$GREEN" "$(ratio "$NATIVE" "$GREEN")x"
echo
echo "(d) 100,000 threads alive at once, each sleeping 5 x 10 ms"
secs=()
for _ in $(seq "$EREPS"); do
  out=$(LD_PRELOAD="$LIB" "$B/many_sleepers" 100000)
  secs+=("$(field seconds "$out")")
done
printf '    preload: %s s (median), created %s, failed %s, OS threads %s, %s KiB peak RSS per thread\n' \
  "$(median "${secs[@]}")" "$(field created "$out")" "$(field failed "$out")" "$(field os_threads "$out")" \
  "$(field kb_per_thread "$out")"
out=$("$B/many_sleepers" 100000)
printf '    native:  %s s, created %s, failed %s\n' "$(field seconds "$out")" "$(field created "$out")" "$(field failed "$out")"
