#!/usr/bin/env bats
# Real programs, unmodified, under the preload.

setup() { load helpers; }

teardown() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  return 0
}

@test "python3's threading HTTP server serves 200 concurrent requests on one OS thread" {
  dir="$BATS_TEST_TMPDIR/www"
  mkdir -p "$dir" && echo "green hello" >"$dir/f.txt"
  LD_PRELOAD="$GP_LIB" timeout 60 python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$dir" \
    >"$BATS_TEST_TMPDIR/log" 2>&1 3>&- &
  SERVER_PID=$!
  for _ in $(seq 100); do grep -q 'port [0-9]' "$BATS_TEST_TMPDIR/log" && break; sleep 0.1; done
  port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$BATS_TEST_TMPDIR/log" | head -n 1)
  [ -n "$port" ]
  run bash -c "seq 200 | xargs -P 50 -I{} curl -s -m 20 http://127.0.0.1:$port/f.txt | sort | uniq -c"
  assert_success
  assert_output --regexp '^ +200 green hello$'
  py=$(pgrep -P "$SERVER_PID" -f http.server || echo "$SERVER_PID")
  run grep -h '^Threads:' /proc/$py/status
  assert_output --regexp 'Threads:[[:space:]]+1$'
}
