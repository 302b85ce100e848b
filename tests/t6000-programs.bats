#!/usr/bin/env bats
# Real programs, unmodified, under the preload.

load helpers

teardown() {
  stop "${SAMPLER_PID:-}"
  stop "${SERVER_PID:-}"
}

# sample_threads PID FILE: while PID lives, every 10 ms, write the most OS threads seen so far to FILE.
# Run it in the background as SAMPLER_PID (teardown stops it).
sample_threads() {
  local max=0 key val _
  while kill -0 "$1" 2>/dev/null; do
    while read -r key val _; do
      [[ $key == Threads: ]] && ((val > max)) && max=$val && echo "$max" >"$2"
    done 2>/dev/null <"/proc/$1/status"
    sleep 0.01
  done
}

# http_server MODE DIR: python3 -m http.server on a free port of 127.0.0.1, serving DIR, natively
# or under the preload; sets SERVER_PID (python itself) and port.
http_server() {
  local pre=()
  [ "$1" = preload ] && pre=(env LD_PRELOAD="$GP_PRELOAD")
  start_server "$BATS_TEST_TMPDIR/http.$1.log" "${pre[@]}" python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$2"
}

# open_idle N: N connections to 127.0.0.1:$port that send nothing (each holds a server thread in
# its read), as descriptors of this shell listed in IDLE.
open_idle() {
  local fd
  IDLE=()
  for _ in $(seq "$1"); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$port"
    IDLE+=("$fd")
  done
}
close_idle() {
  local fd
  for fd in "${IDLE[@]}"; do exec {fd}>&-; done
  IDLE=()
}

@test "python3's threading HTTP server serves 200 concurrent requests on one OS thread (tpool off)" {
  command -v python3 >/dev/null && command -v curl >/dev/null || skip "python3 or curl not installed"
  dir="$BATS_TEST_TMPDIR/www"
  mkdir -p "$dir" && echo "green hello" >"$dir/f.txt"
  # its log goes to a file, whose writes go to the tpool; with a pool of 0 they are made inline
  start_server "$BATS_TEST_TMPDIR/log" env GREENPATCH_THREADPOOL_SIZE=0 LD_PRELOAD="$GP_PRELOAD" \
    python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$dir"
  run bash -c "seq 200 | xargs -P 50 -I{} curl -s -m 20 http://127.0.0.1:$port/f.txt | sort | uniq -c"
  assert_success
  assert_output --regexp '^ +200 green hello$'
  assert_equal "$(os_threads "$SERVER_PID")" 1
}

# mc REQUEST: send one memcached request on a new connection, print the reply up to the close
mc() { timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "$2" >&3 && cat <&3' _ "$port" "$1" 2>/dev/null | tr -d '\r'; }

@test "memcached -t 4 (libevent loop per worker thread) answers 20 concurrent clients on one OS thread" {
  command -v memcached >/dev/null || skip "memcached not installed"
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    LD_PRELOAD="$GP_PRELOAD" timeout 60 memcached -u root -l 127.0.0.1 -p "$port" -U 0 -t 4 3>&- &
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

@test "python3 -m http.server (a thread per connection): ab -n 2000 -c 50 beside 20 idle connections, at most 2 OS threads" {
  command -v python3 >/dev/null && command -v ab >/dev/null || skip "python3 or ab (apache2-utils) not installed"
  dir="$BATS_TEST_TMPDIR/www"
  mkdir -p "$dir" && seq 1 2000 >"$dir/file"
  size=$(stat -c %s "$dir/file")
  http_server preload "$dir"
  open_idle 20
  sample_threads "$SERVER_PID" "$BATS_TEST_TMPDIR/threads" 3>&- &
  SAMPLER_PID=$!
  run timeout 60 ab -n 2000 -c 50 "http://127.0.0.1:$port/file"
  assert_success
  assert_line "Complete requests:      2000"
  assert_line "Failed requests:        0"
  assert_line "Document Length:        $size bytes"
  refute_line --partial "Non-2xx responses"
  # the 20 idle connections were waiting all along: each is answered now
  answered=0
  for fd in "${IDLE[@]}"; do
    printf 'GET /file HTTP/1.0\r\n\r\n' >&"$fd"
    read -r -t 10 status <&"$fd" && [[ "$status" == "HTTP/1.0 200 OK"* ]] && answered=$((answered + 1))
  done
  close_idle
  assert_equal "$answered" 20
  stop "$SAMPLER_PID"
  threads=$(cat "$BATS_TEST_TMPDIR/threads")
  [ -n "$threads" ] && [ "$threads" -le 2 ] || fail "the preloaded server had $threads OS threads (at most 2 expected)"
  stop "$SERVER_PID"

  # natively the same server holds an OS thread per connection
  http_server native "$dir"
  open_idle 20
  for _ in $(seq 100); do [ "$(os_threads "$SERVER_PID")" -ge 21 ] && break; sleep 0.1; done
  assert_ge "$(os_threads "$SERVER_PID")" 21
  close_idle
}

# iperf_csv_streams PORT: from iperf -y C lines on stdin, "CLIENT_PORT BYTES" per stream, sorted
# (the client's port is the one of the two that is not PORT; the -1 id is a sum line)
iperf_csv_streams() {
  awk -F, -v p="$1" '$6 != -1 { print ($3 == p ? $5 : $3), $8 }' | sort
}

@test "iperf -s (iperf 2, a thread per stream) receives 8 parallel streams of 32 MiB, every byte counted, at most 2 OS threads" {
  command -v iperf >/dev/null || skip "iperf (iperf 2) not installed"
  log="$BATS_TEST_TMPDIR/iperf-server.csv"
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    LD_PRELOAD="$GP_PRELOAD" iperf -s -B 127.0.0.1 -p "$port" -y C >"$log" 2>"$log.err" 3>&- &
    SERVER_PID=$!
    for _ in $(seq 50); do
      listens "$SERVER_PID" "$port" && break 2
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    stop "$SERVER_PID"
  done
  listens "$SERVER_PID" "$port" || fail "iperf -s did not listen: $(cat "$log.err")"
  sample_threads "$SERVER_PID" "$BATS_TEST_TMPDIR/threads" 3>&- &
  SAMPLER_PID=$!
  run timeout 60 iperf -c 127.0.0.1 -p "$port" -P 8 -n 32M -y C
  assert_success
  client=$(iperf_csv_streams "$port" <<<"$output")
  assert_equal "$(wc -l <<<"$client")" 8
  assert_equal "$(awk '{ print $2 }' <<<"$client" | sort -u)" 33554432
  for _ in $(seq 100); do [ "$(iperf_csv_streams "$port" <"$log" | wc -l)" -ge 8 ] && break; sleep 0.1; done
  assert_equal "$(iperf_csv_streams "$port" <"$log")" "$client"
  stop "$SAMPLER_PID"
  threads=$(cat "$BATS_TEST_TMPDIR/threads")
  [ -n "$threads" ] && [ "$threads" -le 2 ] || fail "the preloaded iperf server had $threads OS threads (at most 2 expected)"
  kill -0 "$SERVER_PID" || fail "iperf -s exited: $(cat "$log.err")"
}
