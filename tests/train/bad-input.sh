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
expect_exit2 "does not divide the per-rank batch 6" train 2 "$WORK/e" --set train.grad_accum=4
# Resuming into another architecture lists the mismatched tensors and changes nothing on disk.
train 1 "$WORK/f" --set train.steps=1 --set ckpt.every=1 > /dev/null 2>&1
before=$(md5sum "$WORK/f/checkpoints/step-00000001.h5")
expect_exit2 "layer1.0.conv1.weight: expected [16, 16, 3, 3], found [8, 8, 3, 3]" \
  train 1 "$WORK/f" --set train.steps=2 --set model.width=16 --resume auto
[ "$(md5sum "$WORK/f/checkpoints/step-00000001.h5")" = "$before" ] || fail "the failed resume changed the checkpoint"
[ ! -e "$WORK/a/checkpoints" ] || fail "a failed start left a run folder"
echo "bad inputs rejected"
