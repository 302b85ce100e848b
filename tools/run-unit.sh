#!/usr/bin/env bash
# Run the C unit tests given as arguments, each bounded in time; print one summary line that CI
# reads ("N passed, N failed"). Exit non-zero if any failed.
set -euo pipefail
pass=0 fail=0
for t in "$@"; do
  if timeout 60 "$t" >"$t.log" 2>&1; then
    pass=$((pass + 1)); echo "ok   $(basename "$t")"
  else
    fail=$((fail + 1)); echo "FAIL $(basename "$t") (see $t.log)"; tail -n 20 "$t.log" | sed 's/^/     /'
  fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
