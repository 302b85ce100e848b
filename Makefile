# greenpatch build. `make` builds the preload library, the runtime archive, test and bench
# programs; `make test`, `make demo`, `make bench` run them. Missing Debian packages are installed
# first when run as root (see `deps`).
SHELL    := /bin/bash
CC       ?= gcc
BUILD    := build
CFLAGS   ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -fPIC -fvisibility=hidden -fexceptions \
            -fno-omit-frame-pointer -D_GNU_SOURCE -Iinclude -Iruntime -Ipreload
PROGFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -pthread
CXXPROGFLAGS := -std=gnu++20 -O2 -g -Wall -Wextra -Wno-unused-parameter -pthread

DEBS     := gcc g++ make libc6-dev libffi-dev libunwind-dev bats bats-support bats-assert procps coreutils \
            python3 curl memcached apache2-utils iperf strace gdb pkg-config man-db groff-base
BENCH_DEBS := python3-eventlet python3-gevent
FUZZ_DEBS := clang libclang-rt-14-dev

# make install: the usual layout under PREFIX, staged under DESTDIR.
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
LIBDIR   ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/greenpatch
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
VERSION  := $(shell sed -n 's/^\#define GREENPATCH_VERSION "\(.*\)"$$/\1/p' include/greenpatch.h)
SONAME   := libgreenpatch.so.$(firstword $(subst ., ,$(VERSION)))
SOFLAGS  ?=

RT_SRC   := $(wildcard runtime/*.c)
RT_ASM   := $(wildcard runtime/arch/*.S)
RT_OBJ   := $(RT_SRC:%.c=$(BUILD)/%.o) $(RT_ASM:%.S=$(BUILD)/%.o)
SO_SRC   := $(wildcard preload/*.c) $(wildcard shims/*.c)
SO_ASM   := $(wildcard preload/*.S)
SO_OBJ   := $(SO_SRC:%.c=$(BUILD)/%.o) $(SO_ASM:%.S=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
PROG_SRC := $(wildcard tests/progs/*.c)
PROG_CXX := $(wildcard tests/progs/*.cc)
PROG_BIN := $(PROG_SRC:tests/progs/%.c=$(BUILD)/tests/progs/%) $(PROG_CXX:tests/progs/%.cc=$(BUILD)/tests/progs/%)
LIB_SRC  := $(wildcard tests/libs/*.c)
LIB_SO   := $(LIB_SRC:tests/libs/%.c=$(BUILD)/tests/libs/%.so)
DIFF_BIN := $(BUILD)/tests/diff/driver
SECURE_BIN := $(BUILD)/tests/progs/secure_linked
EX_SRC   := $(wildcard examples/*.c)
EX_BIN   := $(EX_SRC:examples/%.c=$(BUILD)/examples/%)
BENCH_SRC := $(wildcard bench/*.c)
BENCH_CXX := $(wildcard bench/*.cc)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%) $(BENCH_CXX:bench/%.cc=$(BUILD)/bench/%)

.PHONY: all lib deps bench-deps fuzz-deps test unit bats demo bench soak fuzz fuzz-merge clean api-doc \
        install uninstall valgrind asan
all: $(BUILD)/libgreenpatch.so $(BUILD)/libgreenpatch_rt.a $(UNIT_BIN) $(PROG_BIN) $(LIB_SO) $(EX_BIN) $(BENCH_BIN) \
     $(DIFF_BIN) $(SECURE_BIN)
lib: $(BUILD)/libgreenpatch.so

# Install what is missing, only what is missing, only when root (CI and a fresh machine are root).
# $(call install_missing,PACKAGES,STATUS): STATUS is the exit status when not root.
define install_missing
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages (run as root or install them):" $$missing >&2; exit $(2); fi; \
	fi
endef
deps:
	$(call install_missing,$(DEBS),1)
# make bench compares the API with eventlet and gevent: their rows are left out when these are missing.
bench-deps:
	$(call install_missing,$(BENCH_DEBS),0)
fuzz-deps:
	$(call install_missing,$(FUZZ_DEBS),1)

$(BUILD)/%.o: %.c $(wildcard runtime/*.h preload/*.h shims/*.h include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(BUILD)/libgreenpatch_rt.a: $(RT_OBJ)
	rm -f $@; ar rcs $@ $^

$(BUILD)/greenpatch.map: preload/manifest.h preload/exports.map.in
	@mkdir -p $(BUILD)
	$(CC) -E -P -D_GNU_SOURCE -Ipreload -Iruntime -Iinclude -x c preload/exports.map.in -o $@

$(BUILD)/libgreenpatch.so: $(SO_OBJ) $(BUILD)/libgreenpatch_rt.a $(BUILD)/greenpatch.map
	$(CC) -shared -o $@ $(SO_OBJ) -Wl,--whole-archive $(BUILD)/libgreenpatch_rt.a -Wl,--no-whole-archive \
	  -Wl,--version-script=$(BUILD)/greenpatch.map -Wl,-soname,$(SONAME) \
	  -Wl,-z,now -Wl,-z,relro $(SOFLAGS) -lffi -ldl -pthread
	ln -sf libgreenpatch.so $(BUILD)/$(SONAME) # what a program linked with -lgreenpatch asks for

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libgreenpatch_rt.a tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $< -o $@ $(BUILD)/libgreenpatch_rt.a -lffi -pthread
$(BUILD)/tests/progs/%: tests/progs/%.c tests/progs/common.h
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) $< -o $@
$(BUILD)/tests/progs/%: tests/progs/%.cc tests/progs/cxx_common.h tests/progs/common.h
	@mkdir -p $(dir $@)
	$(CXX) $(CXXPROGFLAGS) $< -o $@
# secure_probe linked against the library itself (an absolute RUNPATH): the set-user-ID test
# shows the library then runs with its defaults, the environment unread (secure_getenv).
$(BUILD)/tests/progs/secure_linked: tests/progs/secure_probe.c tests/progs/common.h $(BUILD)/libgreenpatch.so
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) $< -o $@ -L$(BUILD) -Wl,--no-as-needed -lgreenpatch -Wl,-rpath,$(abspath $(BUILD))
# timeout_alone uses the C API (greenpatch_timeout) as a user's program does: -lgreenpatch.
$(BUILD)/tests/progs/timeout_alone: tests/progs/timeout_alone.c tests/progs/common.h include/greenpatch.h \
                                    $(BUILD)/libgreenpatch.so
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) -Iinclude $< -o $@ -L$(BUILD) -lgreenpatch -Wl,-rpath,$(abspath $(BUILD))
$(BUILD)/tests/diff/driver: tests/diff/driver.c
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) $< -o $@
$(BUILD)/tests/libs/%.so: tests/libs/%.c
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) -shared -fPIC $< -o $@
# libslowuser calls libslow, and wrap_slow is linked against it (found next to it at run time).
$(BUILD)/tests/libs/libslowuser.so: tests/libs/libslowuser.c $(BUILD)/tests/libs/libslow.so
	$(CC) $(PROGFLAGS) -shared -fPIC $< -o $@ -L$(BUILD)/tests/libs -lslow -Wl,-rpath,'$$ORIGIN'
$(BUILD)/tests/progs/tpool_api: tests/progs/tpool_api.c tests/progs/common.h
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) $< -o $@ -lffi
$(BUILD)/tests/progs/wrap_slow: tests/progs/wrap_slow.c tests/progs/common.h $(BUILD)/tests/libs/libslow.so
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) $< -o $@ -L$(BUILD)/tests/libs -lslow -Wl,-rpath,'$$ORIGIN/../libs'
# The examples link the library as a user's program does (-lgreenpatch), found next to them.
$(BUILD)/examples/%: examples/%.c include/greenpatch.h $(BUILD)/libgreenpatch.so
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) -Iinclude $< -o $@ -L$(BUILD) -lgreenpatch -Wl,-rpath,'$$ORIGIN/..'
$(BUILD)/bench/api_%: bench/api_%.c bench/bench.h include/greenpatch.h $(BUILD)/libgreenpatch.so
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) -Iinclude $< -o $@ -L$(BUILD) -lgreenpatch -Wl,-rpath,'$$ORIGIN/..'
$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(PROGFLAGS) $< -o $@
$(BUILD)/bench/%: bench/%.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXPROGFLAGS) $< -o $@

# The API reference, made from the header's comments (a test checks that it is current).
api-doc:
	python3 tools/api-doc.py include/greenpatch.h include/API.md

test: deps all
	@tools/run-tests.sh $(UNIT_BIN)

unit: all
	@tools/run-unit.sh $(UNIT_BIN)
bats: all
	@bats --timing tests/

demo: deps all
	@bench/demo.sh

bench: deps bench-deps all
	@bench/run.sh

# 10,000 connections for 60 s against the legacy echo server under the preload (bench/soak.sh;
# SOAK_CONNS, SOAK_SECONDS, SOAK_CHURN, SOAK_THINK_MS, SOAK_MODE=native change it).
soak: deps all
	@bench/soak.sh

# The configuration parser under libFuzzer (clang, ASan, UBSan): FUZZ_SECONDS per fuzzer
# (tools/fuzz.sh); `make fuzz-merge` minimises what they found into the seed corpus.
FUZZ_SECONDS ?= 600
FUZZERS  := env value wrap
FUZZ_BIN := $(FUZZERS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_CC  ?= clang
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h runtime/config.c runtime/config.h runtime/rt.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Wno-string-plus-int \
	  -D_GNU_SOURCE -Iinclude -Iruntime -Itests/fuzz $< runtime/config.c -o $@
fuzz: fuzz-deps $(FUZZ_BIN)
	@tools/fuzz.sh $(FUZZ_SECONDS) $(FUZZERS)
fuzz-merge: fuzz-deps $(FUZZ_BIN)
	@tools/fuzz.sh merge $(FUZZERS)

# make valgrind: the unit tests and the echo demo under memcheck, no error allowed.
valgrind: all
	@tools/valgrind.sh $(UNIT_BIN)

# make asan: an AddressSanitizer + UndefinedBehaviorSanitizer build of the library (build-asan/),
# then the whole BATS suite with it (the ASan runtime first in LD_PRELOAD).
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
asan: all
	$(MAKE) --no-print-directory BUILD=build-asan CFLAGS='$(ASAN_FLAGS)' SOFLAGS='-fsanitize=address,undefined' \
	  build-asan/libgreenpatch.so
	@tools/asan.sh build-asan/libgreenpatch.so

# The library as libgreenpatch.so.VERSION, with the soname link and the -lgreenpatch link; the
# pkg-config file and the command are written for this PREFIX each time (the command learns where
# the library is, relative to itself).
install: $(BUILD)/libgreenpatch.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	  -e 's|@VERSION@|$(VERSION)|' include/greenpatch.pc.in >$(BUILD)/greenpatch.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(INCLUDEDIR) \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(DATADIR)
	install -m 755 $(BUILD)/libgreenpatch.so $(DESTDIR)$(LIBDIR)/libgreenpatch.so.$(VERSION)
	ln -sf libgreenpatch.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libgreenpatch.so
	install -m 644 include/greenpatch.h $(DESTDIR)$(INCLUDEDIR)/greenpatch.h
	install -m 644 $(BUILD)/greenpatch.pc $(DESTDIR)$(PKGCONFIGDIR)/greenpatch.pc
	sed 's|^installed_lib=.*|installed_lib="$(shell realpath -m --relative-to=$(BINDIR) $(LIBDIR))/$(SONAME)"|' \
	  tools/greenpatch >$(BUILD)/greenpatch.installed
	install -m 755 $(BUILD)/greenpatch.installed $(DESTDIR)$(BINDIR)/greenpatch
	install -m 644 doc/greenpatch.1 $(DESTDIR)$(MANDIR)/man1/greenpatch.1
	install -m 644 doc/greenpatch.7 $(DESTDIR)$(MANDIR)/man7/greenpatch.7
	install -m 644 tools/greenpatch-gdb.py $(DESTDIR)$(DATADIR)/greenpatch-gdb.py
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig 2>/dev/null || true; fi

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libgreenpatch.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libgreenpatch.so $(DESTDIR)$(INCLUDEDIR)/greenpatch.h \
	  $(DESTDIR)$(PKGCONFIGDIR)/greenpatch.pc $(DESTDIR)$(BINDIR)/greenpatch \
	  $(DESTDIR)$(MANDIR)/man1/greenpatch.1 $(DESTDIR)$(MANDIR)/man7/greenpatch.7 \
	  $(DESTDIR)$(DATADIR)/greenpatch-gdb.py
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null

clean:
	rm -rf $(BUILD) build-asan
