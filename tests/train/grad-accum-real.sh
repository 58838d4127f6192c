#!/usr/bin/env bash
# Gradient accumulation and the real-data baseline run end to end:
# - train.grad_accum=2 on 2 ranks: runs, and its loss at step 1 is the mean of the two micro-batch
#   losses (it differs from the unsplit batch, whose negative set is larger);
# - data.source=real trains on Fashion-MNIST training images for a few steps and resumes exactly.
source "$(dirname "$0")/lib.sh" "$@"
train 2 "$WORK/accum" --set train.steps=2 --set train.grad_accum=2
[ "$(wc -l < "$WORK/accum/metrics.jsonl")" -eq 2 ] || fail "grad_accum run wrote no metrics"
train 2 "$WORK/whole" --set train.steps=2
[ "$(last_metric "$WORK/accum/metrics.jsonl" loss)" != "$(last_metric "$WORK/whole/metrics.jsonl" loss)" ] \
  || fail "grad_accum=2 gave the loss of the unsplit batch: micro-batches were not used"

train 2 "$WORK/real" --set data.source=real --set train.steps=4 --set ckpt.every=2
train 2 "$WORK/real-resumed" --set data.source=real --set train.steps=2 --set ckpt.every=2
train 2 "$WORK/real-resumed" --set data.source=real --set train.steps=4 --set ckpt.every=2 --resume auto
"$BIN" ckpt diff "$WORK/real/checkpoints/step-00000004.h5" "$WORK/real-resumed/checkpoints/step-00000004.h5" \
  > /dev/null || fail "real-data resume is not exact"
echo "grad_accum and data.source=real work; real-data resume is exact"
