# Loaded by every BATS file: paths, assertions, and `gp` to run a command under the preload.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
GP_LIB="$ROOT/build/libgreenpatch.so"
PROGS="$ROOT/build/tests/progs"
BENCH="$ROOT/build/bench"
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-60}

# gp CMD...: run CMD under the preload, bounded in time.
gp() { LD_PRELOAD="$GP_LIB" timeout 30 "$@"; }
# native CMD...: the same program without the preload, bounded in time.
native() { timeout 30 "$@"; }

# field NAME: the value of NAME=value in $output.
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$output" | head -n 1; }

# assert_lt A B: A < B numerically (for wide-margin time bounds).
assert_lt() {
  awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }' || fail "expected $1 < $2"
}
