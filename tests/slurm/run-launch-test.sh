#!/usr/bin/env bash
# launch/local.sh (CTest: launch_local): argument errors exit 2, the mpirun line carries the
# run-as-root, oversubscribe and no-binding flags, and synthview's exit code comes through.
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
echo "launch_local: PASS"
