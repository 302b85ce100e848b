#!/usr/bin/env bats
# Differential testing (tests/diff/): every scenario natively, then preloaded alone and with a
# thread beside main, outputs compared byte for byte; the first difference is reported with a diff.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-400} # about 25 s here; every run is bounded by 10 s
load helpers

@test "differential: every scenario of tests/diff prints the same natively and under the preload (alone, with company)" {
  [ -x "$ROOT/build/tests/diff/driver" ] || fail "build/tests/diff/driver is missing: make"
  count=$(find "$ROOT/tests/diff" -name '*.scn' | wc -l)
  assert_ge "$count" 100
  run "$ROOT/tests/diff/run.sh"
  assert_success
  assert_output "$count scenarios: the preloaded outputs (alone and with company) equal the native ones"
}
