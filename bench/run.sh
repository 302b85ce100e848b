#!/usr/bin/env bash
# make bench: every figure is the median of several runs; the native and the preloaded runs of a
# figure alternate in the same session, and ratios are taken within it. Prints one table of
# absolute figures and ratios. `run.sh quick` does fewer and shorter runs.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

if [ "${1:-}" = quick ]; then
  REPS=3 EREPS=1 TRIPS=50000 HANDOFF_N=10000 CREATE_N=10000 READ_N=200000
  SEM_N=10000 CXX_N=10000 RW_N=2000000 POLL_N=1000 DISK_N=8
else
  REPS=5 EREPS=3 TRIPS=100000 HANDOFF_N=20000 CREATE_N=20000 READ_N=400000
  SEM_N=20000 CXX_N=20000 RW_N=4000000 POLL_N=2000 DISK_N=32
fi
# Preloaded micro runs are longer: they are 100x faster, and a run must last long enough to time.
HANDOFF_G=1000000 CREATE_G=200000 SEM_G=2000000 CXX_G=1000000 SLEEPERS=100000
SIZE=512

declare -A RTT THR

# echo_bench CONNS: the three servers in turn, EREPS times; each run TRIPS round trips in all
# (TRIPS/CONNS per connection: short runs are all noise on a small machine).
echo_bench() {
  local c=$1 key out
  declare -A runs=() thr=()
  for _ in $(seq "$EREPS"); do
    for key in preload:legacy_echo_server native:legacy_echo_server native:epoll_echo_server; do
      out=$(echo_load "${key%%:*}" "${key#*:}" "$c" $((TRIPS / c)) "$SIZE")
      runs[$key]="${runs[$key]:-} $(field rtt_per_sec "$out")"
      thr[$key]="${thr[$key]:-} $(field server_threads_max "$out")"
    done
  done
  for key in "${!runs[@]}"; do
    # shellcheck disable=SC2086
    RTT[$key:$c]=$(median ${runs[$key]}) THR[$key:$c]=$(max ${thr[$key]})
  done
}

echo_row() { # CONNS
  local c=$1 p n e
  p=${RTT[preload:legacy_echo_server:$c]} n=${RTT[native:legacy_echo_server:$c]}
  e=${RTT[native:epoll_echo_server:$c]}
  printf '    %-6s %10s (%4s) %10s (%4s) %10s (%4s) %13s %13s %13s\n' "$c" \
    "$(commas "$p")" "${THR[preload:legacy_echo_server:$c]}" "$(commas "$n")" \
    "${THR[native:legacy_echo_server:$c]}" "$(commas "$e")" "${THR[native:epoll_echo_server:$c]}" \
    "$(ratio "$p" "$e")" "$(ratio "$n" "$e")" "$(ratio "$p" "$n")"
}

# micro NAME NATIVE_ARG PRELOAD_ARG: sets NATIVE and GREEN to the median ns_per_op.
micro() {
  local name=$1 n=() g=()
  for _ in $(seq "$REPS"); do
    n+=("$(field ns_per_op "$(in_mode native "$B/$name" "$2")")")
    g+=("$(field ns_per_op "$(in_mode preload "$B/$name" "$3")")")
  done
  NATIVE=$(median "${n[@]}") GREEN=$(median "${g[@]}")
}

micro_row() { # LABEL
  printf '%-44s %12s %12s %10s\n' "$1" "$(commas "$NATIVE")" "$(commas "$GREEN")" \
    "$(commas "$(ratio "$NATIVE" "$GREEN")")x"
}

SLEEPERS_FMT='    %-11s %8s %8s %8s %-8s %8s %8s %10s\n'
sleepers_row() { # LABEL LINE [SECONDS, instead of the line's]
  local f=$2 err=""
  [ "$(field failed "$f")" = 0 ] || err="($(field first_error "$f"))"
  # shellcheck disable=SC2059
  printf "$SLEEPERS_FMT" "$1" "${3:-$(field seconds "$f")}" "$(commas "$(field created "$f")")" \
    "$(commas "$(field failed "$f")")" "$err" "$(commas "$(field alive_max "$f")")" \
    "$(commas "$(field os_threads_max "$f")")" "$(field kib_per_thread "$f")"
}

sleepers_bench() {
  local secs=() out
  for _ in $(seq "$EREPS"); do
    out=$(in_mode preload "$B/many_sleepers" "$SLEEPERS")
    secs+=("$(field seconds "$out")")
  done
  # shellcheck disable=SC2059
  printf "$SLEEPERS_FMT" "" seconds created failed "" "at once" "OS thr" "KiB/thread"
  sleepers_row greenpatch "$out" "$(median "${secs[@]}")"
  sleepers_row native "$(in_mode native "$B/many_sleepers" "$SLEEPERS")"
}

echo "greenpatch benchmarks: $(nproc) cores, $(uname -sr), glibc $(getconf GNU_LIBC_VERSION | cut -d' ' -f2)"
echo "medians of $REPS runs ($EREPS for echo and sleepers); native and preloaded runs alternate"
echo
echo "(a) echo, $SIZE-byte request/response, $(commas "$TRIPS") round trips per run"
echo "    round trips/s (server OS threads)"
printf '    %-6s %17s %17s %17s %13s %13s %13s\n' conns "legacy+preload" "legacy native" "epoll native" \
  "pre/epoll" "native/epoll" "pre/native"
for c in 100 1000; do
  echo_bench "$c"
  echo_row "$c"
done
echo
printf '%-44s %12s %12s %10s\n' "" "native ns" "preload ns" "speedup"
micro handoff "$HANDOFF_N" "$HANDOFF_G"
micro_row "(b) mutex+condvar hand-off"
micro sem_pingpong "$SEM_N" "$SEM_G"
micro_row "(b2) semaphore ping-pong hand-off"
micro rwlock_read "$RW_N" "$RW_N"
micro_row "(b3) rwlock read-mostly, 4 threads"
micro create_join "$CREATE_N" "$CREATE_G"
micro_row "(c) pthread create+join"
micro cxx_create_join "$CXX_N" "$CXX_G"
micro_row "(c2) std::thread create+join"
micro ready_read "$READ_N" "$READ_N"
micro_row "(e) read() of 16 B on a ready socket"
micro poll_idle "$POLL_N" "$POLL_N"
micro_row "(f) poll() of 1000 idle pipes + 1, per round"
micro disk_read "$DISK_N" "$DISK_N"
micro_row "(g) read() of 64 KiB, cached 64 MiB file"
echo
echo "(d) $(commas "$SLEEPERS") threads, each sleeping 5 x 10 ms (greenpatch: median seconds; native: one run)"
sleepers_bench
