#!/usr/bin/env bash
# make fuzz: run each libFuzzer target of tests/fuzz/ for SECONDS (FUZZ_SECONDS, 600), as many at
# once as there are CPUs, then print one line per fuzzer: executions, execs/s, coverage, corpus
# size, crashes. Each fuzzer starts from the seeds kept in tests/fuzz/corpus/NAME and from its own
# work corpus in build/fuzz/work/NAME (kept between runs); what it finds goes to the work corpus
# only. Crashing inputs land in build/fuzz/crashes/NAME/ (each becomes a unit test in
# tests/unit/test_config.c). Exit status 1 if any fuzzer found one.
#   tools/fuzz.sh SECONDS NAME...   run
#   tools/fuzz.sh merge NAME...     minimise the work corpus into tests/fuzz/corpus/NAME (to commit)
set -euo pipefail
cd "$(dirname "$0")/.."
F=build/fuzz
mode=$1
shift

if [ "$mode" = merge ]; then
  for n in "$@"; do
    tmp=$(mktemp -d)
    "$F/fuzz_$n" -merge=1 "$tmp" "tests/fuzz/corpus/$n" "$F/work/$n" 2>"$F/merge.$n.log" >/dev/null
    rm -rf "tests/fuzz/corpus/$n" && mv "$tmp" "tests/fuzz/corpus/$n"
    echo "fuzz_$n: $(find "tests/fuzz/corpus/$n" -type f | wc -l) inputs kept in tests/fuzz/corpus/$n"
  done
  exit 0
fi

secs=$mode
run_one() {
  local n=$1
  mkdir -p "$F/work/$n" "$F/crashes/$n"
  "$F/fuzz_$n" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict=tests/fuzz/config.dict -artifact_prefix="$F/crashes/$n/" \
    "$F/work/$n" "tests/fuzz/corpus/$n" >"$F/$n.log" 2>&1 || true
}

echo "fuzzing ${*/#/fuzz_} for $secs s each ($(nproc) at a time); logs in $F/NAME.log"
running=0
for n in "$@"; do
  run_one "$n" &
  running=$((running + 1))
  if [ "$running" -ge "$(nproc)" ]; then wait -n; running=$((running - 1)); fi
done
wait

found=0
for n in "$@"; do
  log="$F/$n.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$done_line")
  crashes=$(find "$F/crashes/$n" -type f | wc -l)
  found=$((found + crashes))
  printf 'fuzz_%-6s executions=%s execs_per_sec=%s coverage=%s corpus=%s crashes=%s\n' \
    "$n" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${corp:-?}" "$crashes"
  if [ "$crashes" -gt 0 ] || [ -z "$execs" ]; then
    grep -m1 -E 'property failed|ERROR:' "$log" || tail -n 5 "$log"
  fi
done
[ "$found" -eq 0 ]
