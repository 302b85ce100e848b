#!/usr/bin/env bash
# make bench: every figure is the median of several runs; the native and the preloaded runs of a
# figure alternate in the same session, and ratios are taken within it. Prints one table of
# absolute figures and ratios. `run.sh quick` does fewer and shorter runs.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

if [ "${1:-}" = quick ]; then
  REPS=3 EREPS=1 TRIPS=50000 HANDOFF_N=10000 CREATE_N=10000 READ_N=200000
  SEM_N=10000 CXX_N=10000 RW_N=2000000 TPOOL_N=20000 POLL_N=1000 DISK_N=8 PY_SPAWN=20000 PY_QUEUE=50000
else
  REPS=5 EREPS=3 TRIPS=100000 HANDOFF_N=20000 CREATE_N=20000 READ_N=400000
  SEM_N=20000 CXX_N=20000 RW_N=4000000 TPOOL_N=50000 POLL_N=2000 DISK_N=32 PY_SPAWN=100000 PY_QUEUE=200000
fi
# Preloaded micro runs are longer: they are 100x faster, and a run must last long enough to time.
HANDOFF_G=1000000 CREATE_G=200000 SEM_G=2000000 CXX_G=1000000 SLEEPERS=100000
SIZE=512
API_SPAWN=500000 API_QUEUE=2000000
# eventlet and gevent are Debian's (python3-eventlet, python3-gevent): Debian's python3 has them.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

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

# micro NAME NATIVE_ARG PRELOAD_ARG: sets NATIVE and GREEN to the median ns_per_op (or of the
# field named by FIELD).
micro() {
  local name=$1 n=() g=() f=${FIELD:-ns_per_op}
  for _ in $(seq "$REPS"); do
    n+=("$(field "$f" "$(in_mode native "$B/$name" "$2")")")
    g+=("$(field "$f" "$(in_mode preload "$B/$name" "$3")")")
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

# api_bench TEST C_PROG C_N PY_N: the median ns_per_op of the C API program and of eventlet and
# gevent doing the same work, in API_C, API_EVENTLET, API_GEVENT ("-" when one is not installed).
api_bench() {
  local c=() e=() g=() lib out
  for _ in $(seq "$REPS"); do
    c+=("$(field ns_per_op "$(in_mode native "$B/$2" "$3")")")
    for lib in eventlet gevent; do
      out=$(in_mode native "$PY" "$ROOT/bench/py_api.py" "$lib" "$1" "$4") || out=
      if [ "$lib" = eventlet ]; then e+=("$(field ns_per_op "$out")"); else g+=("$(field ns_per_op "$out")"); fi
    done
  done
  API_C=$(median "${c[@]}")
  API_EVENTLET=$( [ -n "${e[*]// /}" ] && median "${e[@]}" || echo -)
  API_GEVENT=$( [ -n "${g[*]// /}" ] && median "${g[@]}" || echo -)
}

speedup() { [ "$1" = - ] && echo - || echo "$(commas "$(ratio "$1" "$2")")x"; }

api_row() { # LABEL
  printf '    %-34s %12s %12s %12s %11s %11s\n' "$1" "$(commas "$API_C")" "$(commas "$API_EVENTLET")" \
    "$(commas "$API_GEVENT")" "$(speedup "$API_EVENTLET" "$API_C")" "$(speedup "$API_GEVENT" "$API_C")"
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
FIELD=p50_ns micro tpool_call "$TPOOL_N" "$TPOOL_N"
micro_row "(f) tpool call of an empty function (p50)"
micro poll_idle "$POLL_N" "$POLL_N"
micro_row "(h) poll() of 1000 idle pipes + 1, per round"
micro disk_read "$DISK_N" "$DISK_N"
micro_row "(i) read() of 64 KiB, cached 64 MiB file"
echo
echo "(d) $(commas "$SLEEPERS") threads, each sleeping 5 x 10 ms (greenpatch: median seconds; native: one run)"
sleepers_bench
echo
echo "(g) the C API against eventlet and gevent, the same work in the same run (ns per op)"
printf '    %-34s %12s %12s %12s %11s %11s\n' "" greenpatch eventlet gevent "vs eventlet" "vs gevent"
api_bench spawn_wait api_spawn_wait "$API_SPAWN" "$PY_SPAWN"
api_row "spawn + wait"
api_bench queue api_queue "$API_QUEUE" "$PY_QUEUE"
api_row "Queue(0) put -> get hand-off"
