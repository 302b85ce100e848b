#!/usr/bin/env bats
# The .so exports exactly the manifest's interposed names and the public API, nothing else.

load helpers
LIB="$GP_LIB"

@test "exports are the manifest plus greenpatch_* API" {
  run bash -c "nm -D --defined-only '$LIB' | awk '{print \$3}' | grep -v '^greenpatch_' | sort"
  assert_success
  expected=$("$ROOT/tools/manifest-names.sh")
  assert_equal "$output" "$expected"
}

@test "public API is exported and answers" {
  run bash -c "nm -D --defined-only '$LIB' | awk '{print \$3}' | grep '^greenpatch_'"
  assert_success
  assert_line greenpatch_version
  assert_line greenpatch_patched
  run "$ROOT/build/tests/progs/api_info" "$LIB"
  assert_success
  assert_output --regexp '^version=[0-9]+\.[0-9]+\.[0-9]+ patched=0x1f$'
  GREENPATCH_SOCKET=1 run "$ROOT/build/tests/progs/api_info" "$LIB"
  assert_output --regexp 'patched=0x04$'
}

@test "no runtime internals leak (gp_* hidden)" {
  run bash -c "nm -D --defined-only '$LIB' | awk '{print \$3}' | grep -c '^gp_' || true"
  assert_output 0
}
