#!/usr/bin/env bash
# make asan: the whole BATS suite with the AddressSanitizer + UndefinedBehaviorSanitizer build of
# the library given as the argument (build-asan/libgreenpatch.so, made by the Makefile), as
# GP_LIB and GP_PRELOAD (see tests/helpers.bash). The programs under test are not instrumented.
# The ASan runtime is loaded as the library's dependency, so right after it: greenpatch's
# pthread_create must come before ASan's interceptor (else ASan takes each green thread for an OS
# thread of its own, with the OS thread's TLS, and tears that down when one green thread ends);
# ASan then sees one thread per OS thread, whose stack switches greenpatch tells it (fiber.c).
# Any ASan report, or UBSan's (it aborts: -fno-sanitize-recover), fails the test it happens in.
#   verify_asan_link_order=0 ASan's runtime is not first in the list: by design, see above
#   detect_leaks=0           the suite runs whole programs (python, memcached) that keep memory
#                            to the end; leaks are not what this run is for
#   handle_segv=0            SIGSEGV stays the program's and greenpatch's (the overflow tests
#                            expect the line and the default crash, not ASan's report)
#   disable_coredump=0       the core dump tests want cores (ASan keeps its shadow out of them)
set -euo pipefail
cd "$(dirname "$0")/.."
lib="$PWD/$1"
[ -f "$lib" ] || { echo "make asan: no $lib" >&2; exit 1; }
export GP_LIB="$lib" GP_PRELOAD="$lib"
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:handle_segv=0:disable_coredump=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
bats --timing tests/ | tee "$log" || rc=$?
echo "make asan: $(grep -c '^ok ' "$log") passed, $(grep -c '^not ok ' "$log") failed (library: $1)"
exit "$rc"
