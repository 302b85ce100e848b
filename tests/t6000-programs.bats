#!/usr/bin/env bats
# Real programs, unmodified, under the preload.

load helpers

teardown() { stop "${SERVER_PID:-}"; }

@test "python3's threading HTTP server serves 200 concurrent requests on one OS thread" {
  command -v python3 >/dev/null && command -v curl >/dev/null || skip "python3 or curl not installed"
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
  assert_equal "$(os_threads "$py")" 1
}

# mc REQUEST: send one memcached request on a new connection, print the reply up to the close
mc() { timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "$2" >&3 && cat <&3' _ "$port" "$1" 2>/dev/null | tr -d '\r'; }

@test "memcached -t 4 (libevent loop per worker thread) answers 20 concurrent clients on one OS thread" {
  command -v memcached >/dev/null || skip "memcached not installed"
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    LD_PRELOAD="$GP_LIB" timeout 60 memcached -u root -l 127.0.0.1 -p "$port" -U 0 -t 4 3>&- &
    SERVER_PID=$!
    for _ in $(seq 50); do
      [ "$(mc 'version\r\nquit\r\n' | cut -c1-7)" = VERSION ] && break 2
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true
  done
  kill -0 "$SERVER_PID"
  export port
  export -f mc
  # each client prints its whole reply with one write, so that concurrent lines do not interleave
  run bash -c 'seq -w 1 20 | xargs -P 20 -I{} bash -c "r=\$(mc \"set key{} 0 0 7\r\nval{}xx\r\nget key{}\r\nquit\r\n\" | tr \"\n\" \" \"); echo \"\$r\""'
  assert_success
  [ "$(grep -c 'STORED VALUE key\([0-9][0-9]\) 0 7 val\1xx END' <<<"$output")" -eq 20 ]
  mcpid=$(pgrep -P "$SERVER_PID" memcached || echo "$SERVER_PID")
  assert_equal "$(os_threads "$mcpid")" 1
}
