#!/usr/bin/env bash
# The unique-sample sweep's large pools on a GPU lease (issue 12, docs/results.md): on 2 CPU cores a pool of
# 10^5 drawn twice is 3125 steps per run, about an hour; on a GPU about a minute (estimated), several side by side.
# From the repository root, after tools/gpu/check.sh has built build-gpu (without it, this sets up the same
# prefix and configures and builds synthview itself):
#   bash tools/gpu/comparison.sh      # $OUT/comparison/ (results, results.md) and $OUT/comparison-summary.json
# Steps: [prefix] -> [configure] -> build (synthview) -> run: tools/comparison.py run --groups "main unique"
# --arms "gen-simclr real-simclr" at CMP_STEPS steps with the committed recipes (results/comparison/recipes.json),
# on CMP_DEVICE, CMP_JOBS runs at a time, for at most CMP_SECONDS (the stage resumes: what finished is kept)
# -> report (tables; plots where matplotlib is). Checkpoints stay in CMP_RUNS (/tmp/synthview-comparison-runs);
# the runs' logs are copied to $OUT/comparison/logs/.
# Settings (environment): CMP_STEPS (3125: a pool of 10^5 drawn twice at batch 64), CMP_POOLS ("1000 10000
# 100000"), CMP_SEEDS ("0 1 2"), CMP_JOBS (8), CMP_DEVICE (cuda), CMP_SECONDS (420), CMP_PREFIX (1: the .deb
# prefix of check.sh; 0: the system's libraries), and the GPU_CHECK_* settings of tools/gpu/common.sh.
# A pool of 10^6 drawn twice needs 31250 steps: CMP_STEPS=31250 CMP_POOLS="... 1000000", a lease of its own.
# Dry run here, on the Debian build (minutes of one core):
#   CMP_DEVICE=cpu CMP_STEPS=20 CMP_POOLS="100 500" CMP_SEEDS=0 CMP_JOBS=1 CMP_PREFIX=0 GPU_CHECK_BUILD=build \
#     bash tools/gpu/comparison.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
default_out=gpu-comparison-out
# shellcheck source=tools/gpu/common.sh
source tools/gpu/common.sh
trap 'write_summary "$out/comparison-summary.json"' EXIT

if [ "${CMP_PREFIX:-1}" = 1 ]; then gpu_prefix || exit 1; fi
if [ ! -f "$build/CMakeCache.txt" ]; then gpu_configure || exit 1; fi
step build cmake --build "$build" -j "$jobs" --target synthview || exit 1

results_dir=$out/comparison
runs_dir=${CMP_RUNS:-/tmp/synthview-comparison-runs}  # checkpoints stay on the machine; their logs come back
mkdir -p "$results_dir"
[ -f "$results_dir/recipes.json" ] || cp results/comparison/recipes.json "$results_dir/"
comparison_args=(--build "$build" --out "$results_dir" --runs "$runs_dir" --groups "main unique"
                 --arms "gen-simclr real-simclr" --steps "${CMP_STEPS:-3125}" --pools "${CMP_POOLS:-1000 10000 100000}"
                 --seeds "${CMP_SEEDS:-0 1 2}" --jobs "${CMP_JOBS:-8}" --set "device=${CMP_DEVICE:-cuda}")
# Time-boxed so that the results and the summary come back within the lease; a rerun continues.
step run timeout "${CMP_SECONDS:-420}" "$python" tools/comparison.py run "${comparison_args[@]}"
(cd "$runs_dir" && mkdir -p "$results_dir/logs" && find . -name '*.log' -exec cp --parents {} "$results_dir/logs/" \;)
step report "$python" tools/comparison_report.py "$results_dir"
