#!/usr/bin/env bash
# The README's main job: a short 2-rank training run on the built-in default (configs/demo.yaml), then
# its encoder judged on real Fashion-MNIST next to an untrained encoder of the same shape.
# Usage: tools/run-demo.sh [BUILD_DIR] [extra --set key=value ...]
set -euo pipefail
build_dir=${1:-build}
shift || true
bin=$build_dir/synthview
run_dir=${SYNTHVIEW_DEMO_DIR:-runs/demo}
ranks=${SYNTHVIEW_DEMO_RANKS:-2}
sets=(--set "run.dir=$run_dir")
for extra in "$@"; do sets+=(--set "$extra"); done

mpirun_args=(-np "$ranks" --oversubscribe --bind-to none)
[ "$(id -u)" -eq 0 ] && mpirun_args+=(--allow-run-as-root)

echo "== training: mpirun -np $ranks synthview train --config configs/demo.yaml ${sets[*]}"
rm -rf "$run_dir"
mpirun "${mpirun_args[@]}" "$bin" train --config configs/demo.yaml "${sets[@]}"
checkpoint=$(ls "$run_dir"/checkpoints/step-*.h5 | tail -n 1)

# 10000 training images keep the demo's evaluation to about a minute on 2 cores; docs/results.md uses all.
eval_args=(--probe both --train-limit 10000)
echo
echo "== evaluation on real Fashion-MNIST (linear probe and kNN; 10000 train / 10000 test images),"
echo "   beside an untrained encoder of the same shape and raw pixels (the images are loaded once)"
mpirun "${mpirun_args[@]}" "$bin" eval --ckpt "$checkpoint" --baselines "${eval_args[@]}"
echo
echo "outputs: $run_dir/metrics.jsonl, $run_dir/config.yaml, $run_dir/checkpoints/, $run_dir/events.out.tfevents.*"
if [ -x .deps/tensorboard/bin/tensorboard ]; then
  echo "watch it: .deps/tensorboard/bin/tensorboard --logdir $run_dir   (docs/tensorboard.md)"
else
  echo "watch it: tools/setup-tensorboard.sh, then .deps/tensorboard/bin/tensorboard --logdir $run_dir   (docs/tensorboard.md)"
fi
