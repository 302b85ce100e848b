#!/usr/bin/env bats
# The os module, processes: system, popen/pclose, vfork, posix_spawn, fork from any thread, the exec
# family. Each program runs under the preload and natively; a heartbeat thread ticking every 10 ms
# shows that the other threads kept running (it never pauses 50 ms while a child runs).

load helpers

@test "system: other threads run while the command does; statuses, system(NULL), no shell: as natively" {
  same_as_native "$PROGS/proc_system" status
  assert_line "sleep 0.3 -> exited 0"
  assert_line "took at least 300 ms: yes; heartbeat paused under 50 ms meanwhile: yes"
  assert_line "exit 3 -> exited 3"
  assert_line "kill -TERM \$\$ -> killed by signal 15"
  assert_line "a command that is not there -> exited 127"
  assert_line "system(NULL) -> 1"
  assert_line "no shell spawned -> 32512 (exit 127), errno E2BIG"
  assert_line "system(NULL) without a shell -> 0"
  run gp_env GREENPATCH_OS=0 "$PROGS/proc_system" status
  assert_line "took at least 300 ms: yes; heartbeat paused under 50 ms meanwhile: no"
}

@test "system: SIGINT/SIGQUIT ignored while it runs, the shell gets the caller's dispositions, the caller all back" {
  same_as_native "$PROGS/proc_system" signals
  assert_line "during: SIGINT ignored 1, SIGQUIT ignored 1"
  assert_line --regexp '^SigIgn:[[:space:]]+[0-9a-f]*[4567cdef]$' # SIGQUIT stays ignored in the shell
  assert_line "after: SIGINT handler back 1, SIGQUIT ignored 1, SIGUSR1 blocked 1, SIGCHLD blocked 0"
}

@test "system: concurrent calls run at once; the last to end restores the dispositions" {
  same_as_native "$PROGS/proc_system" concurrent
  assert_line "first done, second running: SIGINT ignored 1, first caller's SIGCHLD blocked 0"
  assert_line "both done after about 0.6 s (not 0.8): yes; SIGINT ignored 0, SIGQUIT ignored 0"
  assert_line "heartbeat paused under 50 ms: yes"
}

@test "system: a caller cancelled in it ends; its shell is killed and reaped first, dispositions restored" {
  same_as_native "$PROGS/proc_system" cancel
  assert_line "cancelled 1, within 2 s 1, shell gone 1 (ESRCH), SIGINT ignored 0, SIGQUIT ignored 0"
  assert_line "heartbeat paused under 50 ms: yes"
}

@test "popen: stdio reads of a slow command and pclose's wait let others run; statuses as natively" {
  same_as_native "$PROGS/proc_popen" read
  assert_line "read: hi"
  assert_line "read: there"
  assert_line "pclose -> exited 0"
  assert_line "heartbeat paused under 50 ms: yes"
  assert_line "pclose after exit 5 -> exited 5"
  assert_line "pclose after kill -KILL -> killed by signal 9"
  assert_line "fclose of a popen stream -> exited 2"
  assert_line "pclose of an fopen stream -> exited 0"
  run gp_env GREENPATCH_OS=0 "$PROGS/proc_popen" read
  assert_line "heartbeat paused under 50 ms: no"
}

@test "popen \"w\" to a slow cat > file: the writer waits without stopping others, every byte arrives" {
  mkdir "$BATS_TEST_TMPDIR/native" "$BATS_TEST_TMPDIR/gp"
  expected=$(native "$PROGS/proc_popen" write "$BATS_TEST_TMPDIR/native")
  run gp "$PROGS/proc_popen" write "$BATS_TEST_TMPDIR/gp"
  assert_success
  assert_output "$expected"
  assert_line "pclose of cat -> exited 0"
  assert_line "heartbeat paused under 50 ms: yes"
  assert_line "file: 8192 lines, 253952 bytes"
  assert_line "ftell on a popen stream -> -1 ESPIPE"
  cmp "$BATS_TEST_TMPDIR/native/popen-out" "$BATS_TEST_TMPDIR/gp/popen-out"
}

@test "popen: modes (EINVAL), close-on-exec with e, other streams not inherited, stdin closed" {
  same_as_native "$PROGS/proc_popen" modes
  assert_line 'mode "re" -> a stream, fileno valid 1, close-on-exec 1, read end'
  assert_line 'mode "w" -> a stream, fileno valid 1, close-on-exec 0, write end'
  assert_line 'mode "rw" -> NULL EINVAL'
  assert_line 'mode "" -> NULL EINVAL'
  same_as_native "$PROGS/proc_popen" isolation
  assert_line "second child and the first stream's descriptor: not inherited"
  assert_line "child read through the pipe"
  assert_line "pclose with stdin closed -> exited 0"
}

@test "vfork + execl, posix_spawn, posix_spawnp, then waitpid: other threads keep running" {
  same_as_native "$PROGS/proc_spawn" vfork
  assert_line "vfork, execl, waitpid -> same pid 1, exited 4"
  assert_line "heartbeat paused under 50 ms: yes"
  same_as_native "$PROGS/proc_spawn" spawn
  assert_line "posix_spawn, waitpid -> same pid 1, exited 6"
  assert_line "posix_spawnp, waitpid -> same pid 1, exited 7"
  assert_line "posix_spawnp of a missing program -> ENOENT"
  assert_line "heartbeat paused under 50 ms: yes"
}

@test "fork from a thread that is not main: the child runs green threads and sleeps, its status comes back" {
  run native "$PROGS/proc_spawn" forkthread
  assert_success
  assert_line "child: OS threads while its thread sleeps 2"
  run gp "$PROGS/proc_spawn" forkthread
  assert_success
  assert_line "child: OS threads while its thread sleeps 1"
  assert_line "child: its own thread ran 1, slept, threads now 1"
  assert_line "fork from a thread, waitpid -> same pid 1, exited 42"
  assert_line "heartbeat paused under 50 ms: yes"
}

@test "an inetd-style server: a child per connection, waitpid(-1) reaping in a thread, 20 clients, 1 OS thread" {
  run native "$PROGS/proc_inetd"
  assert_success
  assert_line "clients echoed 20, children reaped with status 0 20"
  run gp "$PROGS/proc_inetd"
  assert_success
  assert_line "clients echoed 20, children reaped with status 0 20"
  assert_line "most OS threads while serving 1"
}

@test "every exec function and posix_spawn hand over a listening socket blocking; the parent accepts after" {
  expected=$(native "$PROGS/proc_exec" | grep -v '^kernel O_NONBLOCK')
  run gp "$PROGS/proc_exec"
  assert_success
  assert_line "execl: inherited socket O_NONBLOCK 0, EXEC_MARK=execl"
  assert_line "execle: inherited socket O_NONBLOCK 0, EXEC_MARK=execle"
  assert_line "fexecve: inherited socket O_NONBLOCK 0, EXEC_MARK=fexecve"
  assert_line "posix_spawnp: inherited socket O_NONBLOCK 0"
  assert_line "after vfork+execv: accepted 1, O_NONBLOCK view 0"
  assert_line "after posix_spawn: accepted 1, O_NONBLOCK view 0"
  assert_line "failed execl -> -1 ENOENT, O_NONBLOCK view 0"
  assert_line "kernel O_NONBLOCK after the failed exec 1" # set again: the program goes on accepting
  assert_line "after the failed exec: accepted 1, O_NONBLOCK view 0"
  assert_equal "$(grep -v '^kernel O_NONBLOCK' <<<"$output")" "$expected"
  assert_equal "$(grep -c 'inherited socket O_NONBLOCK 0' <<<"$output")" 12
}
