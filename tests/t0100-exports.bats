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

@test "every exported greenpatch_* function is declared in the header, and every declared one exported" {
  exported=$(nm -D --defined-only "$LIB" | awk '{print $3}' | grep '^greenpatch_' | sort)
  declared=$(grep -o '\bgreenpatch_[a-z_0-9]*(' "$ROOT/include/greenpatch.h" | tr -d '(' | sort -u)
  assert_equal "$exported" "$declared"
}

@test "the API reference (include/API.md) is what the header makes now" {
  run python3 "$ROOT/tools/api-doc.py" --check "$ROOT/include/greenpatch.h" "$ROOT/include/API.md"
  assert_success
  # each function of the header has its own entry
  for f in $(grep -o '\bgreenpatch_[a-z][a-z_0-9]*(' "$ROOT/include/greenpatch.h" | tr -d '(' | sort -u); do
    grep -q "^### .*\`$f\`" "$ROOT/include/API.md" || fail "no entry for $f"
  done
}
