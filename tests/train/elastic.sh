#!/usr/bin/env bash
# Elastic resume: 3 steps on 2 ranks, then 3 more on 3 ranks continue the same sample stream:
# samples_drawn after step s is s * batch, with no index skipped or repeated.
source "$(dirname "$0")/lib.sh" "$@"
train 2 "$WORK/run" --set train.steps=3
train 3 "$WORK/run" --set train.steps=6 --resume auto 2> "$WORK/resume.log"
cat "$WORK/resume.log"
grep -q "world size" "$WORK/resume.log" || fail "no warning about the changed world size"
expected_step=1
while read -r line; do
  step=$(echo "$line" | sed -E 's/.*"step": ([0-9]+).*/\1/')
  drawn=$(echo "$line" | sed -E 's/.*"samples_drawn": ([0-9]+).*/\1/')
  [ "$step" -eq "$expected_step" ] || fail "metrics step $step, expected $expected_step"
  [ "$drawn" -eq $((step * 12)) ] || fail "step $step: samples_drawn $drawn, expected $((step * 12))"
  expected_step=$((expected_step + 1))
done < "$WORK/run/metrics.jsonl"
[ "$expected_step" -eq 7 ] || fail "expected 6 metric lines"
"$BIN" ckpt verify "$WORK/run/checkpoints/step-00000006.h5"
echo "elastic 2 -> 3 ranks continued the stream"
