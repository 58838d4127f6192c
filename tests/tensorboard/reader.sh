#!/usr/bin/env bash
# Event files checked by TensorBoard's own reader (PyPI tensorboard, tools/setup-tensorboard.sh):
#  1. a 2-rank run: every scalar equals metrics.jsonl step by step, the config text equals config.yaml, and
#     each views image decodes to exactly the grid `synthview sample` writes for the same draws;
#     `eval` of its last checkpoint adds its accuracies at that step;
#  2. a run that died after step 6 but before checkpointing it, resumed from step 3 with another lr:
#     each step once, holding the resumed run's values;
#  3. train-generator's losses; 4. log.tensorboard=false writes no event file.
# Usage: reader.sh SYNTHVIEW SOURCE_DIR PYTHON (PYTHON: an interpreter that imports tensorboard)
source "$(dirname "$0")/../train/lib.sh" "$1" "$2"
PY=$3
CHECK=(nice -n 10 "$PY" "$SRC/tests/tensorboard/check_events.py")
"$PY" -c 'from tensorboard.backend.event_processing import event_accumulator' \
  || fail "$PY cannot import tensorboard: run tools/setup-tensorboard.sh (tools/setup-deps.sh does)"

# 1. Straight run on 2 ranks: tiny.yaml's global batch 12 -> rank 0 trains draws [12 (s-1), 12 (s-1) + 6) at step s.
run=$WORK/straight
train 2 "$run" --set train.steps=6 --set log.images_every=2
mkdir -p "$WORK/samples"
for step in 2 4 6; do
  "$BIN" sample --config "$run/config.yaml" --start $((12 * (step - 1))) --n 6 --out "$WORK/samples/sample-$step.png" \
    > /dev/null
done
"${MPIRUN[@]}" -np 1 "$BIN" eval --ckpt "$run/checkpoints/step-00000006.h5" --probe both --train-limit 300 \
  --test-limit 100 --json > "$WORK/eval.json"
"${CHECK[@]}" train "$run" --images-every 2 --samples "$WORK/samples" --eval "$WORK/eval.json" --eval-step 6

# 2. Steps 4-6 written twice: once by a run whose last checkpoint (6) is lost, then by its resume from 3.
run=$WORK/resumed
train 1 "$run" --set train.steps=6 --set log.images_every=0
rm "$run/checkpoints/step-00000006.h5"
train 1 "$run" --set train.steps=6 --set log.images_every=0 --set optim.lr=0.25 --resume auto
[ "$(ls "$run"/events.out.tfevents.* | wc -l)" -eq 2 ] || fail "expected one event file per process in $run"
"${CHECK[@]}" train "$run" --rewritten

# 3. train-generator: its losses in run.dir/generator.
"$BIN" train-generator --config "$SRC/configs/gan.yaml" --set generator.width=8 --set gan.d_width=8 \
  --set train.threads=1 --set run.log_every=2 --set gan.steps=4 --set run.dir="$WORK/gan" \
  --set gan.out="$WORK/gan/g.h5" > "$WORK/gan.log" 2>&1 || { cat "$WORK/gan.log"; fail "train-generator failed"; }
"${CHECK[@]}" gan "$WORK/gan" "$WORK/gan.log"

# 4. Off.
train 1 "$WORK/off" --set train.steps=1 --set log.tensorboard=false
"${CHECK[@]}" none "$WORK/off"
echo "tensorboard reader: all checks passed"
