#!/usr/bin/env bash
# Invariant 3 with the demo generator (32 px, trained) at several seeds: one step on 2 ranks against one
# step on 1 rank (syncbn, global batch 16, SGD; in one step momentum 0.9 updates as none would, and it
# keeps the step's gradient in the checkpoint, so ckpt diff compares gradients too, not only parameters
# that start far from zero). docs/distributed.md "One step on 1 and 2 ranks, seed by seed" has the
# measurements behind the tolerances:
# - train.precision=fp64: the steps agree to ckpt diff --rtol 1e-9 (measured <= 1.1e-12, seeds 0-9), so any
#   mistake in the gather, the loss's indexing, SyncBN or the gradient average of any size above that shows;
# - float32: the loss agrees to 1e-5 relative (measured <= 4.3e-7), but the step only to 1e-1: a ReLU input
#   within float32 noise of zero lands on either side depending on rounding, and its gradient, in a nearly
#   cancelling BN-bias sum, moves the step by up to 2.2e-2 (measured between 1 and 2 ranks, and as much
#   between 1 rank and the float64 step). Another processor rounds differently: if only this check fails,
#   compare with float64 (docs/distributed.md) before suspecting the code.
# SEEDS overrides the seeds (7: the seed of issue 11; 8: where 1 rank is the one off in float32).
source "$(dirname "$0")/lib.sh" "$@"
CONFIG=$SRC/configs/demo.yaml
STEP=(--set loss.name=simclr --set train.steps=1 --set ckpt.every=1 --set train.batch_size=16 --set train.threads=1 --set model.norm=syncbn
      --set optim.momentum=0.9 --set optim.weight_decay=0 --set optim.warmup_steps=0 --set train.align_every=0)

# relative_gap A B: |A - B| / |A|
relative_gap() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; if (a < 0) a = -a; print d / a }'; }
within() { awk -v x="$1" -v limit="$2" 'BEGIN { exit !(x <= limit) }'; }

for seed in ${SEEDS:-7 8}; do
  for precision in fp64 fp32; do
    for np in 1 2; do
      train "$np" "$WORK/$seed-$precision-$np" "${STEP[@]}" --set seed="$seed" --set train.precision="$precision" \
        > "$WORK/$seed-$precision-$np.log" 2>&1 || { cat "$WORK/$seed-$precision-$np.log"; fail "training failed"; }
    done
    one=$WORK/$seed-$precision-1 two=$WORK/$seed-$precision-2
    rtol=$([ "$precision" = fp64 ] && echo 1e-9 || echo 1e-1)
    "$BIN" ckpt diff --rtol "$rtol" "$one/checkpoints/step-00000001.h5" "$two/checkpoints/step-00000001.h5" \
      > "$WORK/diff" || { grep DIFFERS "$WORK/diff"; fail "seed $seed $precision: 2-rank step differs (rtol $rtol)"; }
    gap=$(relative_gap "$(last_metric "$one/metrics.jsonl" loss)" "$(last_metric "$two/metrics.jsonl" loss)")
    within "$gap" 1e-5 || fail "seed $seed $precision: loss differs by $gap (relative) on 2 ranks"
    worst=$(awk '$4 ~ /^[0-9.e+-]+$/ && $4 + 0 > w { w = $4 + 0 } END { print w + 0 }' "$WORK/diff")
    echo "seed $seed $precision: 2 ranks == 1 rank (step: worst norm_rel $worst <= $rtol; loss gap $gap)"
  done
done
