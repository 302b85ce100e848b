#!/usr/bin/env bats
# make install DESTDIR=... PREFIX=...: the library (with its soname and the -lgreenpatch link),
# the header, the pkg-config file, the command (which finds the installed library), the man pages
# and the gdb script in place; a program built with `pkg-config --cflags --libs greenpatch`
# links and runs; make uninstall takes it all away again.

load helpers

setup() {
  DEST="$BATS_TEST_TMPDIR/dest"
}

# install_to PREFIX: make install into $DEST.
install_to() {
  run make -C "$ROOT" --no-print-directory -s install DESTDIR="$DEST" PREFIX="$1"
  assert_success
}

@test "make install puts every file in place, the library with its soname and links" {
  install_to /usr/local
  local p="$DEST/usr/local"
  for f in bin/greenpatch include/greenpatch.h lib/pkgconfig/greenpatch.pc share/man/man1/greenpatch.1 \
    share/man/man7/greenpatch.7 share/greenpatch/greenpatch-gdb.py; do
    [[ -f "$p/$f" ]] || fail "missing $f"
  done
  [[ -x "$p/bin/greenpatch" ]] || fail "the command is not executable"
  local v
  v=$(sed -n 's/^#define GREENPATCH_VERSION "\(.*\)"$/\1/p' "$ROOT/include/greenpatch.h")
  [[ -f "$p/lib/libgreenpatch.so.$v" && ! -L "$p/lib/libgreenpatch.so.$v" ]] || fail "no libgreenpatch.so.$v"
  assert_equal "$(readlink "$p/lib/libgreenpatch.so.0")" "libgreenpatch.so.$v"
  assert_equal "$(readlink "$p/lib/libgreenpatch.so")" "libgreenpatch.so.0"
  run readelf -d "$p/lib/libgreenpatch.so.$v"
  assert_line --partial "Library soname: [libgreenpatch.so.0]"
  run cat "$p/lib/pkgconfig/greenpatch.pc"
  assert_line "prefix=/usr/local"
  assert_line "Version: $v"
}

@test "a program built with pkg-config --cflags --libs greenpatch links and runs, green" {
  install_to /usr/local
  command -v pkg-config >/dev/null || skip "no pkg-config"
  export PKG_CONFIG_PATH="$DEST/usr/local/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$DEST"
  run pkg-config --cflags --libs greenpatch
  assert_success
  assert_equal "$(echo $output)" "-I$DEST/usr/local/include -L$DEST/usr/local/lib -lgreenpatch"
  cat >"$BATS_TEST_TMPDIR/linked.c" <<'EOF'
/* Linked with -lgreenpatch (not preloaded): its threads are green and the tpool is there. */
#include <greenpatch.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static void *nap(void *arg) { usleep(50000); return arg; }
static void *twice(void *arg) { return (void *)(2 * (long)arg); }
int main(void)
{
	pthread_t t[100];
	for (int i = 0; i < 100; i++)
		pthread_create(&t[i], NULL, nap, NULL);
	char line[256] = "";
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f) && strncmp(line, "Threads:", 8))
		;
	for (int i = 0; i < 100; i++)
		pthread_join(t[i], NULL);
	printf("version=%s patched=0x%02x tpool=%ld %s", greenpatch_version(), greenpatch_patched(),
	       (long)greenpatch_tpool_execute(twice, (void *)21), line);
	return 0;
}
EOF
  # shellcheck disable=SC2046
  run cc -o "$BATS_TEST_TMPDIR/linked" "$BATS_TEST_TMPDIR/linked.c" $(pkg-config --cflags --libs greenpatch) -pthread
  assert_success
  run readelf -d "$BATS_TEST_TMPDIR/linked"
  assert_line --partial "Shared library: [libgreenpatch.so.0]"
  run env LD_LIBRARY_PATH="$DEST/usr/local/lib" timeout 30 "$BATS_TEST_TMPDIR/linked"
  assert_success
  assert_output --regexp "^version=$(sed -n 's/^#define GREENPATCH_VERSION "\(.*\)"$/\1/p' "$ROOT/include/greenpatch.h") patched=0x1f tpool=42 Threads:"$'\t'"1\$"
}

@test "the installed command finds the installed library, for any prefix" {
  for prefix in /usr/local /opt/gp; do
    install_to "$prefix"
    run env -u LD_PRELOAD timeout 30 "$DEST$prefix/bin/greenpatch" --no-time -- "$PROGS/env_probe"
    assert_success
    assert_line "LD_PRELOAD=$DEST$prefix/lib/libgreenpatch.so.0"
    assert_line "GREENPATCH_TIME=0"
    assert_line "patched=0x0f"
  done
}

@test "the man pages render without warnings" {
  install_to /usr/local
  command -v groff >/dev/null || skip "no groff"
  for page in man1/greenpatch.1 man7/greenpatch.7; do
    run groff -man -ww -z "$DEST/usr/local/share/man/$page"
    assert_success
    assert_output ""
  done
  run env MANWIDTH=80 man -P cat -l "$DEST/usr/local/share/man/man1/greenpatch.1"
  assert_success
  assert_output --partial "--hub-blocking-detection MS"
  run env MANWIDTH=80 man -P cat -l "$DEST/usr/local/share/man/man7/greenpatch.7"
  assert_output --partial "GREENPATCH_DUMP_SIGNAL"
}

@test "make uninstall leaves nothing behind" {
  install_to /usr/local
  run make -C "$ROOT" --no-print-directory -s uninstall DESTDIR="$DEST" PREFIX=/usr/local
  assert_success
  run find "$DEST" -type f -o -type l
  assert_output ""
}
