#!/usr/bin/env bats
# The os module, third part: disk files and what waits on them, sent to the native thread pool
# (tpool) while the green threads go on. Big reads by 4 threads at once (data checked word by
# word), positioned and vectored I/O, sync, file locks held by another process or thread, FIFOs
# whose other end is another process, /proc and /dev. Each program runs natively and preloaded,
# outputs compared (the asserted lines are the native ones, on the test's own temporary directory);
# under the preload a heartbeat must keep ticking (never 50 ms without a tick), with at most
# 1 + GREENPATCH_THREADPOOL_SIZE OS threads where the tpool works (4 here), 1 elsewhere.

load helpers

POOL=4

@test "4 threads each read a 64 MiB file (cold where the kernel allows, then cached): every byte right, as natively" {
  same_as_native_hb "$PROGS/disk_bigread" "$BATS_TEST_TMPDIR"
  assert_line "file of 64 MiB written"
  assert_line "cold-or-warm: 4 readers x 1 x 64 MiB: every byte read 1, checksums right 4, wrong words 0, short reads 0, errors 0"
  assert_line "warm: 4 readers x 4 x 64 MiB: every byte read 1, checksums right 16, wrong words 0, short reads 0, errors 0"
}

@test "4 threads reading 64 MiB each: a heartbeat keeps ticking, at most 1 + pool size OS threads" {
  run gp_env GREENPATCH_THREADPOOL_SIZE=$POOL "$PROGS/disk_bigread" "$BATS_TEST_TMPDIR"
  assert_success
  assert_line "warm: 4 readers x 4 x 64 MiB: every byte read 1, checksums right 16, wrong words 0, short reads 0, errors 0"
  hb_ok cold-or-warm 2 $((1 + POOL))
  hb_ok warm 5 $((1 + POOL))
}

@test "pread/pwrite/readv/writev/preadv/pwritev2 with offsets, lseek, ftruncate, fstat, sendfile: results as natively" {
  same_as_native "$PROGS/disk_rw" "$BATS_TEST_TMPDIR"
  assert_line "pwrite 2 at 3 -> 2, offset 10"
  assert_line "pread 10 at 0 -> 10 '012AB56789', offset 10"
  assert_line "pread 10 at 8 -> 2 '89'"
  assert_line "pread 10 at 100 (past EOF) -> 0"
  assert_line "writev 2+2+2 -> 6, offset 16, size 16"
  assert_line "readv 4+4+100 at 0 -> 16: '012A' 'B567' '89abcdef', offset 16"
  assert_line "preadv 3+3 at 2 -> 6: '2AB' '567', offset 16"
  assert_line "pwritev 1+1 at 20 -> 2, size 22, file '012AB56789abcdef....XY'"
  assert_line "pwritev2 at -1 (the offset, 10) -> 1, offset 11"
  assert_line "pwritev2 at 0 with RWF_APPEND -> 1, size 23, offset 11, file '012AB56789*bcdef....XY\$'"
  assert_line "lseek SEEK_END -2 -> 21, SEEK_CUR +1 -> 22, SEEK_SET -1 -> -1 EINVAL, offset kept 22, whence 42 -> -1 EINVAL"
  assert_line "ftruncate 12 -> 0, size 12, read '012AB.......'"
  assert_line "ftruncate -1 -> -1 EINVAL"
  # Linux: pwrite on an O_APPEND descriptor appends, whatever the offset
  assert_line "O_APPEND: pwrite at 0 -> 1, size 13, file '012AB.......Z'"
  assert_line "write on an O_RDONLY fd -> -1 EBADF, ftruncate on it -> -1 EINVAL"
  assert_line "dup: read 3 through the dup -> 3, the original's offset 3"
  assert_line "pread at -1 -> -1 EINVAL, pwrite at -5 -> -1 EINVAL, read of SIZE_MAX bytes -> -1 EFAULT"
  assert_line "read on a directory -> -1 EISDIR, write -> -1 EBADF"
  assert_line "pread on a pipe -> -1 ESPIPE, lseek -> -1 ESPIPE"
  assert_line "unlinked while open: links 0, still reads 13"
}

@test "a write of 8 MiB, fsync and fdatasync by a thread while a heartbeat ticks; results as natively" {
  same_as_native_hb "$PROGS/disk_sync" "$BATS_TEST_TMPDIR"
  assert_line "write of 8 MiB in one call -> 8388608, fsync -> 0, a byte rewritten, fdatasync -> 0"
  assert_line "read back -> 8388608, same bytes 1, size 8388608"
  assert_line "fsync pipe -> -1 EINVAL, fdatasync pipe -> -1 EINVAL, fsync socket -> -1 EINVAL, fdatasync socket -> -1 EINVAL, fsync O_RDONLY file -> 0, fsync closed fd -> -1 EBADF"
  run gp_env GREENPATCH_THREADPOOL_SIZE=$POOL "$PROGS/disk_sync" "$BATS_TEST_TMPDIR"
  hb_ok write-fsync 0 $((1 + POOL))
}

@test "flock(LOCK_EX) held by another process, and by another thread through another open file: as natively" {
  same_as_native_hb "$PROGS/disk_locks" flock "$BATS_TEST_TMPDIR"
  assert_line "flock: the child holds it: non-blocking attempt -> -1 EAGAIN, getlk -"
  assert_line "flock: a thread's blocking request, the child holds it -> 0, after the child let go 1"
  assert_line "flock: two open files, another thread holds it until 300 ms -> 0, waited for it 1"
  assert_line "flock: the child holds it, SIGALRM at 100 ms (no SA_RESTART) -> -1 EINTR, handler ran 1, before the child let go 1"
}

@test "fcntl F_SETLKW held by another process; one owner per process; EDEADLK between two processes: as natively" {
  same_as_native_hb "$PROGS/disk_locks" setlkw "$BATS_TEST_TMPDIR"
  assert_line "setlkw: the child holds it: non-blocking attempt -> -1 EAGAIN, getlk type F_WRLCK pid the child"
  assert_line "setlkw: a thread's blocking request, the child holds it -> 0, after the child let go 1"
  assert_line "setlkw: two open files, the same process holds it -> 0 at once 1 (one owner: the process)"
  assert_line "setlkw: each process waits for the other's bytes -> -1 EDEADLK"
  assert_line "setlkw: we let go, the child got ours and exited 0"
  assert_line "setlkw: the child holds it, SIGALRM at 100 ms (no SA_RESTART) -> -1 EINTR, handler ran 1, before the child let go 1"
}

@test "F_OFD_SETLKW held by another process, and by another thread through another open file: as natively" {
  same_as_native_hb "$PROGS/disk_locks" ofd "$BATS_TEST_TMPDIR"
  assert_line "ofd: the child holds it: non-blocking attempt -> -1 EAGAIN, getlk type F_WRLCK pid -1"
  assert_line "ofd: a thread's blocking request, the child holds it -> 0, after the child let go 1"
  assert_line "ofd: two open files, another thread holds it until 300 ms -> 0, waited for it 1"
  assert_line "ofd: the child holds it, SIGALRM at 100 ms (no SA_RESTART) -> -1 EINTR, handler ran 1, before the child let go 1"
}

@test "waiting for flock, F_SETLKW and F_OFD_SETLKW is green: the heartbeat ticks, at most 1 + pool size OS threads" {
  for k in flock setlkw ofd; do
    run gp_env GREENPATCH_THREADPOOL_SIZE=$POOL "$PROGS/disk_locks" "$k" "$BATS_TEST_TMPDIR"
    hb_ok lock-held-by-child 10 $((1 + POOL))
    [[ $k == setlkw ]] || hb_ok lock-held-by-thread 10 $((1 + POOL))
  done
}

@test "open of a FIFO whose other end another process opens 200 ms later, both ways: as natively, green" {
  same_as_native_hb "$PROGS/disk_fifo" "$BATS_TEST_TMPDIR"
  assert_line "open O_RDONLY, a writer process opens at 200 ms -> fd ok, after it 1"
  assert_line "  read -> 5 'proc', then -> 0 (EOF)"
  assert_line "open O_WRONLY, a reader process opens at 200 ms -> fd ok, after it 1"
  assert_line "  the reader process exited 0 (0: it read 'back')"
  run gp_env GREENPATCH_THREADPOOL_SIZE=$POOL "$PROGS/disk_fifo" "$BATS_TEST_TMPDIR"
  hb_ok fifo-wait-writer 10 $((1 + POOL))
  hb_ok fifo-wait-reader 10 $((1 + POOL))
}

@test "/proc, /dev/zero, /dev/null and regular files: contents as natively; poll/select ready, epoll_ctl EPERM" {
  same_as_native "$PROGS/disk_dev" "$BATS_TEST_TMPDIR"
  assert_line "/proc/self/comm -> 9 'disk_dev'"
  assert_line "/proc/self/status read 7 bytes at a time: first line 'Name:	disk_dev'"
  assert_line "/dev/zero: read 1 MiB -> 1048576, bytes not zero 0, write 4096 -> 4096, lseek 12345 -> 0, mmap reads zero 1"
  assert_line "/dev/null: read -> 0, write 1 MiB -> 1048576, major 1 minor 3"
  assert_line "a regular file: poll -> 1 revents 5, select -> 2 r1 w1, epoll_ctl ADD -> -1 EPERM"
  assert_line "/dev/null: poll -> 1 revents 5, select -> 2 r1 w1, epoll_ctl ADD -> -1 EPERM"
}
