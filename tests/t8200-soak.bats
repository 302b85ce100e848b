#!/usr/bin/env bats
# The soak of `make soak` (bench/soak.sh), shortened: the legacy echo server under the preload,
# 1000 connections doing round trips for 16 s while 100 more open and close all the time (plain
# close, half-close, reset, an echo left unread); every byte checked, the server's RSS flat from
# the middle of the run to its end, its descriptors back to their count once the clients left.
# 16 s, not less: the server's RSS rises for its first seconds, to a plateau (a warm-up, not a
# leak: it stops however many connections churn on; ~3 s on an idle machine, up to ~8 s on one
# busy with other work), and the flat half must come after it. With 5 s, a busy machine saw
# 1.5 MiB of growth in the second half; the same load over 20 s grew 12 KiB there.
load helpers

@test "soak, short: 1000 connections for 16 s beside constant churn: 0 errors, RSS flat, descriptors back" {
  [ -x "$BENCH/soak_client" ] && [ -x "$BENCH/legacy_echo_server" ] || skip "bench programs not built"
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  (( $(ulimit -n) >= 1300 )) || skip "the soak needs 1300 descriptors; the hard limit is $(ulimit -Hn)"
  run timeout 80 env SOAK_CONNS=1000 SOAK_SECONDS=16 SOAK_CHURN=100 "$ROOT/bench/soak.sh"
  assert_success
  assert_line --partial "soak: PASS: 0 errors, checksums equal, RSS flat, descriptors back to"
  assert_line --regexp '^  errors +0$'
  # every connection the client made was served: the warm-up's 2, 1000 persistent, the churned ones
  [[ "$output" =~ clients\ the\ server\ counted\ +([0-9,]+) ]] || fail "no count: $output"
  local served=${BASH_REMATCH[1]//,/}
  [[ "$output" =~ connections\ churned\ \(per\ second\)\ +([0-9,]+) ]] || fail "no churn: $output"
  local churned=${BASH_REMATCH[1]//,/}
  assert_ge "$churned" 1000
  assert_equal "$served" "$((1002 + churned))"
}
