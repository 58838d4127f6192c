#!/usr/bin/env bash
# The one-shot GPU run of the issue-12 ResNet GAN (configs/gan-resnet.yaml) for a lease, after tools/gpu/check.sh
# has built build-gpu (without it, this sets up the same prefix and configures and builds the two targets it needs).
# From the repository root:
#   bash tools/gpu/gan.sh             # logs, weights, state, snapshots, scores and gan-summary.json go to $OUT
# Steps: [prefix] -> [configure] -> build (synthview, test_gan; nothing to do after check.sh) -> gan_cuda test
# (GPU steps follow the CPU's) -> train: resumes from the committed CPU state state/gan-resnet/ (copied into
# $OUT/gan-resnet/ unless a state is there already) and trains on cuda for at most GAN_SECONDS wall seconds
# (gan.max_seconds: it saves and stops in time) -> score: --score-only --split val --json on the CPU.
# Settings (environment): GAN_SECONDS (300), GAN_DEVICE (cuda; cpu for a dry run), GAN_STEPS (the config's
# gan.steps), GAN_EVERY (checkpoint period in steps, 1000), GAN_SCORE_ARGS ("--per-class 1000"), GAN_PREFIX (1:
# the .deb prefix of check.sh; 0: the build uses the system's libraries, as the Debian build here), and the
# GPU_CHECK_* settings of tools/gpu/common.sh (GPU_CHECK_BUILD: build-gpu).
# Dry run here, on the Debian build: GAN_DEVICE=cpu GAN_SECONDS=60 GAN_PREFIX=0 GPU_CHECK_BUILD=build bash tools/gpu/gan.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
default_out=gpu-gan-out
# shellcheck source=tools/gpu/common.sh
source tools/gpu/common.sh
trap 'write_summary "$out/gan-summary.json"' EXIT
seconds=${GAN_SECONDS:-300}
device=${GAN_DEVICE:-cuda}
run_dir=$out/gan-resnet

if [ "${GAN_PREFIX:-1}" = 1 ]; then gpu_prefix || exit 1; fi
if [ ! -f "$build/CMakeCache.txt" ]; then gpu_configure || exit 1; fi
step build cmake --build "$build" -j "$jobs" --target synthview test_gan || exit 1
# A failure here is recorded, not fatal: the run's own figures still come back.
[ "$device" = cuda ] && step gan_cuda ctest --test-dir "$build" --output-on-failure -R '^gan_cuda$' --no-tests=error

mkdir -p "$run_dir"
if [ -f state/gan-resnet/generator.h5.state.h5 ] && [ ! -f "$run_dir/generator.h5.state.h5" ]; then
  cp state/gan-resnet/generator.h5 state/gan-resnet/generator.h5.state.h5 state/gan-resnet/train.log "$run_dir/"
fi
train_args=(--config configs/gan-resnet.yaml --set device="$device" --set gan.max_seconds="$seconds"
            --set gan.every="${GAN_EVERY:-1000}" --set gan.out="$run_dir/generator.h5" --set run.dir="$run_dir")
[ -n "${GAN_STEPS:-}" ] && train_args+=(--set gan.steps="$GAN_STEPS")
train() {
  echo "== $(date -u +%FT%TZ) $build/synthview train-generator ${train_args[*]} --resume auto" >>"$run_dir/train.log"
  "$build/synthview" train-generator "${train_args[@]}" --resume auto 2>&1 | tee -a "$run_dir/train.log"
}
step train train || exit 1

# The scorer runs on the CPU (every core); its JSON is the last line of its output.
read -r -a score_args <<<"${GAN_SCORE_ARGS:---per-class 1000}"
score() {
  "$build/synthview" train-generator --score-only --config configs/gan-resnet.yaml --set train.threads="$jobs" \
    --set generator.path="$run_dir/generator.h5" --split val --json "${score_args[@]}" >"$out/gan-score-val.json"
}
step score score
