#!/usr/bin/env bats
# The os module, first part: pipes and FIFOs are green (RWF_NOWAIT per call, the shared open file's
# O_NONBLOCK never touched).

load helpers

@test "pipes between threads: a blocked read lets others run, a 4 MiB write completes, EOF, O_NONBLOCK view" {
  same_as_native "$PROGS/pipes"
  assert_line "blocked read -> 5 hello, heartbeat ticked meanwhile yes"
  assert_line "writev 4 MiB -> 4194304"
}

@test "GREENPATCH_OS=0: a pipe read blocks the whole hub (the writer thread never runs)" {
  run timeout 3 env GREENPATCH_OS=0 LD_PRELOAD="$GP_PRELOAD" "$PROGS/pipes"
  assert_failure 124
}

@test "a shell pipeline with stages under the preload: all data through, pipe flags unchanged" {
  run bash -c "seq 1 200000 | LD_PRELOAD='$GP_PRELOAD' timeout 30 cat | LD_PRELOAD='$GP_PRELOAD' timeout 30 cat | timeout 30 '$PROGS/count_lines'"
  assert_success
  assert_output "lines=200000 stdin_nonblock=0"
}

@test "waitpid, wait, waitid on slow children let other threads run; results as natively" {
  same_as_native "$PROGS/proc_wait"
  assert_line "waitpid -> same pid 1, exit 7, heartbeat ticked meanwhile 1"
  run gp_env GREENPATCH_OS=0 "$PROGS/proc_wait"
  assert_line "waitpid -> same pid 1, exit 7, heartbeat ticked meanwhile 0"
}
