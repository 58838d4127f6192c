#!/usr/bin/env bash
# Bad input ends with exit 2 and one clear line, before any output is written.
source "$(dirname "$0")/lib.sh" "$@"
expect_exit2() {
  local want=$1
  shift
  set +e
  "$@" > "$WORK/out" 2> "$WORK/err"
  local code=$?
  set -e
  cat "$WORK/err"
  [ "$code" -eq 2 ] || fail "exit $code, expected 2: $*"
  grep -qF -- "$want" "$WORK/err" || fail "stderr lacks '$want'"
}
expect_exit2 "does not divide by the world size 3" train 3 "$WORK/a" --set train.batch_size=8
expect_exit2 "'loss.temperature': value '0'" train 1 "$WORK/b" --set loss.temperature=0
expect_exit2 "'model.encoder': value 'resnet19'" train 1 "$WORK/c" --set model.encoder=resnet19
expect_exit2 "does not exist" train 1 "$WORK/d" --resume "$WORK/nonexistent.h5"
[ ! -e "$WORK/a/checkpoints" ] || fail "a failed start left a run folder"
echo "bad inputs rejected"
