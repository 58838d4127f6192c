#!/usr/bin/env bash
# The comparison of docs/results.md: the same encoder, optimizer steps and batch for every training row,
# each judged by a linear probe and kNN on the real Fashion-MNIST test split.
# Usage: tools/comparison.sh [BUILD_DIR] [OUT_DIR] [--set key=value ...]
# Env: CONFIG (configs/fmnist.yaml), STEPS (500), RANKS (2), TRAIN_LIMIT (0 = all 60000 real training
# images for the probes), ROWS (only these rows, space separated, e.g. "real-pixel gen-latent-pixel").
# Writes OUT_DIR/<row>/ (a training run each), OUT_DIR/<row>.json (its evaluation), OUT_DIR/results.md
# (the tables) and OUT_DIR/sigma.png, OUT_DIR/unique.png (tools/plot_comparison.py).
set -euo pipefail
build_dir=${1:-build}
out=${2:-runs/comparison}
shift 2 || true
bin=$build_dir/synthview
ranks=${RANKS:-2}
steps=${STEPS:-500}
config=${CONFIG:-configs/fmnist.yaml}
# SimCLR unless a row says otherwise (configs/demo.yaml's own loss is supcon, for the demo).
common=(--set train.steps="$steps" --set ckpt.every=0 --set loss.name=simclr)
for extra in "$@"; do common+=("$extra"); done
mpirun_args=(-np "$ranks" --oversubscribe --bind-to none)
[ "$(id -u)" -eq 0 ] && mpirun_args+=(--allow-run-as-root)
eval_args=(--probe both --json --train-limit "${TRAIN_LIMIT:-0}")
mkdir -p "$out"

wanted() { [ -z "${ROWS:-}" ] || [[ " $ROWS " == *" $1 "* ]]; }  # wanted NAME: in ROWS, or ROWS unset

# row NAME [--set key=value ...]: train (unless already done) and evaluate one configuration.
row() {
  local name=$1
  shift
  wanted "$name" || return 0
  if [ ! -f "$out/$name.json" ]; then
    echo "== $name: $*"
    mpirun "${mpirun_args[@]}" "$bin" train --config "$config" "${common[@]}" --set run.dir="$out/$name" "$@"
    local checkpoint
    checkpoint=$(ls "$out/$name"/checkpoints/step-*.h5 | tail -n 1)
    mpirun "${mpirun_args[@]}" "$bin" eval --ckpt "$checkpoint" "${eval_args[@]}" > "$out/$name.json"
  fi
  cat "$out/$name.json"
}

if [ ! -f "$out/random-init.json" ] && wanted random-init; then
  mpirun "${mpirun_args[@]}" "$bin" eval --random-init --config "$config" "${common[@]}" "${eval_args[@]}" \
    > "$out/random-init.json"
fi
row real-pixel          --set data.source=real
row gen-pixel-only      --set views.mode=anchor
row gen-latent-only     --set augment.enabled=false
row gen-latent-pixel
row gen-independent     --set views.mode=independent
row gen-supcon          --set loss.name=supcon
# A sweep point equal to the config's own value is the gen-latent-pixel run (training is
# deterministic on CPU): link its result instead of training it twice.
config_value() {  # config_value SECTION KEY: the resolved value, as `synthview config` prints it
  "$bin" config --config "$config" "${common[@]}" | awk -v section="$1:" -v key="$2:" \
    '/^[^ ]/ { inside = ($1 == section); next } inside && $1 == key { print $2 }'
}
sweep_row() {  # sweep_row NAME SECTION.KEY VALUE
  local name=$1 key=$2 value=$3
  wanted "$name" || return 0
  if [ "$(config_value "${key%%.*}" "${key#*.}")" = "$value" ]; then
    ln -sf gen-latent-pixel.json "$out/$name.json"
    echo "== $name: same as gen-latent-pixel ($key=$value)"
  else
    row "$name" --set "$key=$value"
  fi
}
for sigma in 0.1 0.2 0.5 1.0 2.0; do sweep_row "sigma-$sigma" views.sigma "$sigma"; done
for unique in 1000 10000 100000 0; do sweep_row "unique-$unique" data.unique_samples "$unique"; done

/usr/bin/python3 "$(dirname "$0")/plot_comparison.py" "$out"
