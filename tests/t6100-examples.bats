#!/usr/bin/env bats
# The programs of examples/ (built against -lgreenpatch), run as a user runs them.

load helpers

EX="$ROOT/build/examples"

teardown() {
  stop "${SERVER_PID:-}"
}

@test "echo_server: 300 clients at once on one OS thread, and a client's shutdown stops serve()" {
  command -v python3 >/dev/null || skip "python3 not installed"
  start_server "$BATS_TEST_TMPDIR/echo.log" "$EX/echo_server" 0
  run timeout 60 python3 "$ROOT/tests/tools/echo_clients.py" "$port" 300 "$SERVER_PID"
  assert_success
  assert_output "echoed=300 threads=1"
  wait_gone "$SERVER_PID"
  SERVER_PID=
  run cat "$BATS_TEST_TMPDIR/echo.log"
  assert_line --index 1 "stopped after 301 clients"
}

@test "echo_server: a port already taken is a clear error" {
  start_server "$BATS_TEST_TMPDIR/a.log" "$EX/echo_server" 0
  run timeout 10 "$EX/echo_server" "$port"
  assert_failure 1
  assert_output "echo_server: listen on 127.0.0.1:$port: Address already in use"
  run timeout 10 "$EX/echo_server" 0 not-an-address
  assert_failure 1
  assert_output "echo_server: listen on not-an-address:0: Invalid argument"
}

@test "web_crawler: 100 URLs through a GreenPool of 20, in URL order, concurrently" {
  command -v python3 >/dev/null || skip "python3 not installed"
  start_server "$BATS_TEST_TMPDIR/http.log" python3 -u "$ROOT/tests/tools/slow_http.py" 0.1
  urls=$(for i in $(seq 100 199); do echo "http://127.0.0.1:$port/$i"; done)
  t0=$(now_ms)
  run timeout 60 "$EX/web_crawler" -c 20 - <<<"$urls"
  elapsed=$(($(now_ms) - t0))
  assert_success
  # one after another, the 100 delays alone take 10 s; 20 at once, about 0.5 s
  assert_lt "$elapsed" 5000
  assert_equal "$(grep -c '^200 ' <<<"$output")" 100
  # in input order, each with its own size (page N is N bytes)
  assert_equal "$(grep '^200 ' <<<"$output" | awk '{ print $2 }' | tr '\n' ' ')" "$(seq 100 199 | tr '\n' ' ')"
  assert_line "fetched=100 failed=0 bytes=14950 most_at_once=20"
}

@test "web_crawler: a failing URL is reported in its place and the rest are fetched" {
  command -v python3 >/dev/null || skip "python3 not installed"
  start_server "$BATS_TEST_TMPDIR/http.log" python3 -u "$ROOT/tests/tools/slow_http.py" 0.01
  run timeout 30 "$EX/web_crawler" -c 3 "http://127.0.0.1:$port/10" "ftp://x/" "http://127.0.0.1:1/" \
    "http://127.0.0.1:$port/12" "http://no-such-host.invalid/"
  assert_failure 1
  assert_line --index 0 "200 10 http://127.0.0.1:$port/10"
  assert_line --index 1 "ERR Invalid argument ftp://x/"
  assert_line --index 2 "ERR Connection refused http://127.0.0.1:1/"
  assert_line --index 3 "200 12 http://127.0.0.1:$port/12"
  assert_line --index 4 --regexp '^ERR .* http://no-such-host.invalid/$'
  assert_line --index 5 "fetched=2 failed=3 bytes=22 most_at_once=3"
  run timeout 10 "$EX/web_crawler" -c 0 x
  assert_failure 2
}

@test "producer_consumer: a parallel wc over a bounded Queue counts as wc does" {
  f="$BATS_TEST_TMPDIR/in.txt"
  for i in $(seq 20000); do echo "line $i has  five words"; done >"$f"
  printf 'no newline at the end' >>"$f"
  read -r nl nw nb _ < <(wc "$f")
  run timeout 30 "$EX/producer_consumer" 8 <"$f"
  assert_success
  assert_output --regexp " lines=$nl words=$nw bytes=$nb\$"
  # every consumer had a share: the queue of 16 spread the lines over all 8
  shares=$(field shares)
  assert_equal "$(tr ',' '\n' <<<"$shares" | awk '$1 > 0' | wc -l)" 8
  run timeout 10 "$EX/producer_consumer" 4 </dev/null
  assert_success
  assert_output "shares=0,0,0,0 lines=0 words=0 bytes=0"
  run timeout 10 "$EX/producer_consumer" 0
  assert_failure 2
}

@test "mixed_blocking: 500 pthreads and 500 green threads sleeping 200 ms overlap on one OS thread, under the preload" {
  run gp "$EX/mixed_blocking" 500 200
  assert_success
  assert_equal "$(field os_threads)" 1
  assert_equal "$(field handoffs)" 1000
  assert_lt "$(field elapsed_ms)" 1500 # one after another: 200 s
  # linked, it is the same program without LD_PRELOAD
  run timeout 30 "$EX/mixed_blocking" 100 100
  assert_success
  assert_equal "$(field os_threads)" 1
}
