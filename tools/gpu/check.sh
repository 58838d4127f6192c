#!/usr/bin/env bash
# The one-shot GPU check (issue 10): on a machine with one NVIDIA GPU whose python3 holds torch 2.x
# with CUDA, plus cmake, ninja, nvcc and g++, but no Debian -dev packages and no network. The Debian
# packages travel as .deb files (tools/gpu/fetch-debs.sh, run where apt works) and are unpacked into
# a private prefix. From the repository root:
#   bash tools/gpu/check.sh            # logs and summary.json go to $OUT (default ./gpu-check-out)
#   GPU_CHECK_DRY_RUN=1 GPU_CHECK_TORCH_DIR=$PWD/.deps/torch-cuda/torch bash tools/gpu/check.sh
#                                      # here, without a GPU: every step that needs none
# Steps: environment -> prefix -> configure -> build -> CUDA tests -> 1-rank GPU training with exact
# resume -> throughput and MFU. Each step's log is $OUT/<step>.log; summary.json says what passed.
# Budget: about 9 minutes on 16 cores, most of it the build.
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tools/gpu/common.sh
source tools/gpu/common.sh
trap 'write_summary "$out/summary.json"' EXIT

step environment environment || exit 1
gpu_prefix || exit 1
gpu_configure || exit 1
step build cmake --build "$build" -j "$jobs" --target synthview test_gen test_model test_dist test_nccl test_core \
  test_gan || exit 1

# CUDA tests (generator GPU = CPU, NCCL collectives and gather backward on 1 rank, bf16 autocast, GAN steps on
# the GPU = on the CPU) and the CPU suites of the modules they build on, all against this machine's LibTorch.
tests='^(gen|gen_cuda|model|model_cuda|nccl_linkage|nccl_np1|dist_np1|core|gan_cuda)$'
ctest_args=(--test-dir "$build" --output-on-failure -R "$tests")
[ "$dry_run" = 1 ] || ctest_args+=(--no-tests=error)
step cuda_tests ctest "${ctest_args[@]}"
if [ "$dry_run" != 1 ] && grep -q "Skipped" "$out/cuda_tests.log"; then
  echo "a GPU test skipped on the GPU machine" >>"$out/cuda_tests.log"; results+=("\"gpu_tests_ran\": false")
fi

[ "$dry_run" = 1 ] && { echo "dry run: the rest needs a GPU"; exit 0; }

# 1-rank GPU training: 6 steps straight == 3 steps, checkpoint, resume for 3 (bit-identical).
train_args=(--config configs/demo.yaml --set device=cuda --set train.deterministic=true --set train.steps=6
            --set ckpt.every=3 --set ckpt.keep=5 --set data.prefetch=1)
resume_check() {
  local runs=$out/runs
  rm -rf "$runs"
  "$build/synthview" train "${train_args[@]}" --set run.dir="$runs/straight" &&
    "$build/synthview" train "${train_args[@]}" --set run.dir="$runs/resumed" --set train.steps=3 &&
    "$build/synthview" train "${train_args[@]}" --set run.dir="$runs/resumed" --resume auto &&
    "$build/synthview" ckpt diff "$runs/straight/checkpoints/step-00000006.h5" \
      "$runs/resumed/checkpoints/step-00000006.h5" --tol 0
}
step gpu_resume resume_check

step gpu_benchmark bash tools/bench/gpu_throughput.sh "$build" "$out"
