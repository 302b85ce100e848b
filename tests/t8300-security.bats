#!/usr/bin/env bats
# The trust model (README, "Security"): the configuration is read with secure_getenv; the runtime
# opens no file or socket of its own (strace: what a small program opens natively and preloaded);
# the dynamic loader keeps LD_PRELOAD out of a set-user-ID program, and a set-user-ID program
# linked against the library runs it with its defaults, whatever the environment says.
load helpers

SYSCALLS=open,openat,openat2,creat,socket,socketpair,accept,accept4,pipe,pipe2,epoll_create,epoll_create1,eventfd,eventfd2,signalfd,signalfd4,timerfd_create,inotify_init,inotify_init1,memfd_create,pidfd_open,userfaultfd,perf_event_open,fanotify_init,connect,bind

teardown() {
  [[ -n "${SUID_DIR:-}" ]] && rm -rf "$SUID_DIR"
  return 0
}

# trace OUT CMD...: the descriptor-making and file-opening syscalls of CMD (and its threads), one
# per line, pids and descriptor numbers taken out.
trace() {
  local out=$1
  shift
  strace -f -qq -e trace="$SYSCALLS" -e signal=none -o "$out.raw" "$@" >/dev/null 2>&1 || true
  sed -e 's/^[0-9]* *//' -e 's/ *= [0-9]*$//' -e 's/\[[0-9]*, [0-9]*\]/[_, _]/' "$out.raw" | sort -u >"$out"
}

need_strace() {
  command -v strace >/dev/null || skip "strace is not installed"
  strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace not permitted)"
}

@test "the configuration is read with secure_getenv only: the library imports no getenv" {
  run nm -D --undefined-only "$GP_LIB"
  assert_success
  assert_line --regexp '^ +U secure_getenv(@.*)?$'
  refute_line --regexp '^ +U getenv(@.*)?$'
}

@test "strace: the runtime opens no file or socket; its own descriptors are one epoll set and one eventfd per hub" {
  need_strace
  trace "$BATS_TEST_TMPDIR/native" "$PROGS/secure_probe"
  trace "$BATS_TEST_TMPDIR/preload" -E LD_PRELOAD="$GP_LIB" "$PROGS/secure_probe"
  # what the preloaded run opens beyond the native one: the loader mapping the library and its
  # libffi, maybe libgcc_s (the unwinder for thread exits, which the runtime loads with dlopen as
  # glibc does for pthread_exit), and the hub's two descriptors; no file, no socket
  # (an ASan build of the library, make asan, also brings the sanitizers' runtimes, which read
  # /proc/self for themselves: theirs, not the runtime's)
  local san='^$'
  readelf -d "$GP_LIB" | grep -q 'NEEDED.*libasan' &&
    san='"/proc/self/(cmdline|environ|maps)"|/lib(asan|ubsan|stdc\+\+|m)\.so\.[0-9]+"'
  run bash -c "comm -13 '$BATS_TEST_TMPDIR/native' '$BATS_TEST_TMPDIR/preload' | grep -v '/libgcc_s\.so\.1\"' | grep -Ev '$san'"
  assert_output "$(sort <<END
epoll_create1(EPOLL_CLOEXEC)
eventfd2(0, EFD_CLOEXEC|EFD_NONBLOCK)
openat(AT_FDCWD, "$GP_LIB", O_RDONLY|O_CLOEXEC)
openat(AT_FDCWD, "/lib/x86_64-linux-gnu/libffi.so.8", O_RDONLY|O_CLOEXEC)
END
)"
  run comm -23 "$BATS_TEST_TMPDIR/native" "$BATS_TEST_TMPDIR/preload"
  assert_output "" # and everything the program opens itself, as natively
}

@test "strace: /proc/self/stat and /proc/self/timers are read (and libunwind loaded) only for the deadlock check" {
  need_strace
  trace "$BATS_TEST_TMPDIR/probe" -E LD_PRELOAD="$GP_LIB" "$PROGS/secure_probe"
  run grep -c '/proc/self/stat"\|/proc/self/timers' "$BATS_TEST_TMPDIR/probe"
  assert_output 0
  trace "$BATS_TEST_TMPDIR/deadlock" -E LD_PRELOAD="$GP_LIB" -E GREENPATCH_DEADLOCK=abort "$PROGS/deadlock"
  run grep -o '"/proc/self/[a-z]*"' "$BATS_TEST_TMPDIR/deadlock"
  assert_line '"/proc/self/stat"'
  assert_line '"/proc/self/timers"'
  run grep -c 'libunwind' "$BATS_TEST_TMPDIR/deadlock"
  assert_output 1 # for the report's backtraces
}

# suid_copy PROG: a set-user-ID root copy of PROG in a directory everyone may enter.
suid_copy() {
  SUID_DIR=$(mktemp -d /tmp/gp-suid.XXXXXX)
  chmod 755 "$SUID_DIR"
  cp "$1" "$SUID_DIR/"
  chmod 4755 "$SUID_DIR/$(basename "$1")"
  echo "$SUID_DIR/$(basename "$1")"
}

as_nobody() { timeout "$GP_TIMEOUT" setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

need_root() {
  [[ $(id -u) == 0 ]] || skip "making a set-user-ID root program needs root"
  command -v setpriv >/dev/null || skip "setpriv (util-linux) is missing"
}

@test "set-user-ID: the loader ignores LD_PRELOAD (a path), the program runs as without greenpatch" {
  need_root
  local prog
  prog=$(suid_copy "$PROGS/secure_probe")
  run as_nobody env LD_PRELOAD="$GP_LIB" "$prog"
  assert_success
  assert_line "set-user-ID: yes"
  assert_line "libgreenpatch mapped: no"
  assert_line "OS threads while 4 threads sleep: 5"
  local with_preload=$output
  run as_nobody "$prog"
  assert_output "$with_preload" # exactly as without the variable
  # the same user, the same program without the set-user-ID bit: the preload is in
  run as_nobody env LD_PRELOAD="$GP_LIB" "$PROGS/secure_probe"
  assert_success
  assert_line "libgreenpatch mapped: yes"
  assert_line "OS threads while 4 threads sleep: 1"
}

@test "set-user-ID and linked against the library: GREENPATCH_* are not read (secure_getenv), the defaults apply" {
  need_root
  local prog
  prog=$(suid_copy "$PROGS/secure_linked")
  run as_nobody env GREENPATCH_OS=bogus GREENPATCH_THREAD=0 "$prog"
  assert_success # a bad value would stop it with status 2: it is not seen
  assert_line "set-user-ID: yes"
  assert_line "libgreenpatch mapped: yes"
  assert_line "OS threads while 4 threads sleep: 1" # THREAD=0 not seen either
  # without the bit, the same variables are read
  run as_nobody env GREENPATCH_OS=bogus "$PROGS/secure_linked"
  assert_failure 2
  assert_output --partial "greenpatch: GREENPATCH_OS: invalid value 'bogus'"
  run as_nobody env GREENPATCH_THREAD=0 "$PROGS/secure_linked"
  assert_success
  assert_line "OS threads while 4 threads sleep: 5"
}
