#!/usr/bin/env bash
# make test: the C unit tests, then the BATS suites; ends with one "N passed, N failed" line
# counting both, which CI reads. Exit status non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
unit_rc=0
tools/run-unit.sh "$@" | tee "$log" || unit_rc=$?
upass=$(sed -n 's/^unit: \([0-9]*\) passed.*/\1/p' "$log")
ufail=$(sed -n 's/^unit: [0-9]* passed, \([0-9]*\) failed.*/\1/p' "$log")
bats_rc=0
bats --timing tests/ | tee "$log" || bats_rc=$?
bpass=$(grep -c '^ok ' "$log" || true)
bfail=$(grep -c '^not ok ' "$log" || true)
echo "bats: $bpass passed, $bfail failed"
echo "total: $((upass + bpass)) passed, $((ufail + bfail)) failed"
[ "$unit_rc" -eq 0 ] && [ "$bats_rc" -eq 0 ]
