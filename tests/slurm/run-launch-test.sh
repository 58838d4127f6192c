#!/usr/bin/env bash
# launch/local.sh (CTest: launch_local): argument errors exit 2, the mpirun line carries the
# run-as-root, oversubscribe and no-binding flags, synthview's exit code comes through, and an mpirun
# that outlives a rank's abort is ended with the rank's code.
# Usage: tests/slurm/run-launch-test.sh SYNTHVIEW_BIN SOURCE_DIR
set -euo pipefail
SYNTHVIEW_BIN=$(realpath "$1")
export SYNTHVIEW_BIN
launch=$(realpath "$2")/launch/local.sh
config=$(realpath "$2")/configs/demo.yaml

fail() { echo "launch_local: FAIL: $*" >&2; exit 1; }
expect_rc() {  # expect_rc WANT ARGS...: runs launch/local.sh ARGS, output in $out
  local want=$1 rc=0
  shift
  out=$("$launch" "$@" 2>&1) || rc=$?
  [ "$rc" -eq "$want" ] || fail "launch/local.sh $*: exit $rc, want $want; output: $out"
}

expect_rc 2
expect_rc 2 -n 0 config --config "$config"
expect_rc 2 -n two config --config "$config"
expect_rc 2 -n 2
expect_rc 2 --bogus -n 2 config
grep -q '^usage: launch/local.sh' <<<"$out" || fail "no usage message on a bad option: $out"
SYNTHVIEW_BIN=/nonexistent/synthview expect_rc 2 -n 1 config --config "$config"

ranks=$(( $(nproc) + 1 ))
expect_rc 0 -n "$ranks" --dry-run -- config --config "$config"
for flag in "-np $ranks" "--oversubscribe" "--bind-to none"; do
  grep -qF -- "$flag" <<<"$out" || fail "dry run lacks '$flag': $out"
done
if [ "$(id -u)" -eq 0 ]; then grep -qF -- --allow-run-as-root <<<"$out" || fail "dry run as root lacks --allow-run-as-root: $out"; fi
expect_rc 0 -n 1 --dry-run config --config "$config"
! grep -qF -- --oversubscribe <<<"$out" || fail "1 rank should not oversubscribe: $out"

expect_rc 0 -n 2 config --config "$config" --set train.steps=37
[ "$(grep -c '^  steps: 37$' <<<"$out")" -eq 2 ] || fail "expected both ranks to print the config: $out"
expect_rc 2 -n "$ranks" config --config "$config" --set no.such_key=1
grep -qF "synthview: error: unknown config key 'no.such_key'" <<<"$out" || fail "no one-line error: $out"

# An mpirun that outlives a rank's abort (as Open MPI's does when a host's daemon cannot be reached):
# a stand-in notes code 3 in SYNTHVIEW_ABORT_FILE, as dist::abort_world does, and then hangs, deaf to
# SIGTERM. launch/local.sh must kill it (and its child) SYNTHVIEW_ABORT_GRACE_S after the note and exit
# 3, with its one note and no shell "Killed" line; an abort that mpirun ends by a signal gives 3 as well.
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
cat >"$fake/mpirun" <<'FAKE'
#!/bin/bash
# Stand-in for mpirun: records its pid, notes an abort, then hangs (hang) or dies from SIGTERM (term).
echo $$ >"$FAKE_DIR/pid"
echo "3 collective all_reduce #7 did not complete" >>"$SYNTHVIEW_ABORT_FILE"
echo "synthview: error: collective all_reduce #7 did not complete" >&2
if [ "$FAKE_MODE" = term ]; then kill -TERM $$; fi
trap '' TERM
sleep 300 &
echo $! >"$FAKE_DIR/child"
wait
FAKE
chmod +x "$fake/mpirun"
mkdir "$fake/tmp"
export TMPDIR=$fake/tmp  # where launch/local.sh makes its abort file
start=$SECONDS
FAKE_DIR=$fake FAKE_MODE=hang SYNTHVIEW_MPIRUN=$fake/mpirun SYNTHVIEW_ABORT_GRACE_S=2 expect_rc 3 -n 2 train
[ $(( SECONDS - start )) -le 10 ] || fail "a hung mpirun was stopped only after $(( SECONDS - start )) s (grace 2 s)"
grep -q '^launch/local.sh: mpirun still running 2 s after a rank aborted the job' <<<"$out" || fail "no note: $out"
[ "$(grep -c 'synthview: error:' <<<"$out")" -eq 1 ] || fail "want the rank's one error line only: $out"
! grep -q 'Killed' <<<"$out" || fail "the shell's job notice leaked: $out"
running() { [ -e "/proc/$1" ] && [ "$(cut -d ' ' -f 3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }  # zombies are dead
for pid in "$(cat "$fake/pid")" "$(cat "$fake/child")"; do
  ! running "$pid" || fail "process $pid of the hung mpirun survived"
done
FAKE_DIR=$fake FAKE_MODE=term SYNTHVIEW_MPIRUN=$fake/mpirun expect_rc 3 -n 2 train
! grep -q 'launch/local.sh: mpirun still running' <<<"$out" || fail "an mpirun that ended was reported as hung: $out"
[ "$(grep -c 'synthview: error:' <<<"$out")" -eq 1 ] || fail "want the rank's one error line only: $out"
[ -z "$(ls -A "$TMPDIR")" ] || fail "files left behind: $(ls -A "$TMPDIR")"
echo "launch_local: PASS"
