#!/usr/bin/env bash
# Run the C unit tests given as arguments, each bounded in time; print one summary line that CI
# reads ("N passed, N failed"). Exit non-zero if any failed. UNIT_RUNNER (a command, e.g.
# valgrind with its options) runs each binary; UNIT_TIME_SCALE stretches the time limits.
set -euo pipefail
pass=0 fail=0
for t in "$@"; do
  # shellcheck disable=SC2086 # UNIT_RUNNER is a command and its options
  if timeout $((60 * ${UNIT_TIME_SCALE:-1})) ${UNIT_RUNNER:-} "$t" >"$t.log" 2>&1; then
    pass=$((pass + 1)); echo "ok   $(basename "$t")"
  else
    fail=$((fail + 1)); echo "FAIL $(basename "$t") (see $t.log)"; tail -n 20 "$t.log" | sed 's/^/     /'
  fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
