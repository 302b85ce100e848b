#!/usr/bin/env bash
# Differential run of the scenarios: each one natively, then under the preload alone and with
# DRIVER_COMPANY (main never alone on its hub), stdout and stderr together; the preloaded outputs
# must equal the native one byte for byte (the exit status included: a line "exit status N" is
# added). Stops at the first difference, naming the scenario and the run, with a unified diff.
#   tests/diff/run.sh [--twice] [SCENARIO...]   (default: every tests/diff/*.scn)
#   --twice: run natively twice as well (a scenario whose native output varies is not a test)
# Each run is bounded (DIFF_TIMEOUT, 10 s). Exit status 1 on a difference, 0 otherwise.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DRIVER=$ROOT/build/tests/diff/driver
LIB=$ROOT/build/libgreenpatch.so
LIMIT=${DIFF_TIMEOUT:-10}
twice=0
[ "${1:-}" = --twice ] && { twice=1; shift; }
[ $# -gt 0 ] || set -- "$ROOT"/tests/diff/*.scn
[ -x "$DRIVER" ] && [ -f "$LIB" ] || { echo "build first: make" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run_one OUT ENV...: the driver on $scn, its output and exit status in OUT
run_one() {
  local out=$1
  shift
  (cd "$work" && timeout "$LIMIT" env "$@" "$DRIVER" "$scn" >"$out" 2>&1; echo "exit status $?" >>"$out")
}

n=0
for scn in "$@"; do
  name=$(basename "$scn" .scn)
  run_one "$work/native" -u LD_PRELOAD
  if [ "$(tail -n 1 "$work/native")" != "exit status 0" ]; then
    echo "SCENARIO ERROR in $name: the native run did not end well:"
    tail -n 5 "$work/native"
    exit 1
  fi
  runs=("preloaded:LD_PRELOAD=$LIB" "preloaded, main with company:LD_PRELOAD=$LIB DRIVER_COMPANY=1")
  [ "$twice" = 1 ] && runs=("native again:-u LD_PRELOAD" "${runs[@]}")
  for r in "${runs[@]}"; do
    label=${r%%:*}
    # shellcheck disable=SC2086 # the environment words are meant to split
    run_one "$work/other" ${r#*:}
    if ! cmp -s "$work/native" "$work/other"; then
      echo "DIFFERENCE in $name ($label), first lines of diff -u native $label:"
      diff -u --label native --label "$label" "$work/native" "$work/other" | head -n 40
      exit 1
    fi
  done
  n=$((n + 1))
done
echo "$n scenarios: the preloaded outputs (alone and with company) equal the native ones"
