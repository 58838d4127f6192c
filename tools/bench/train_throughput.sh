#!/usr/bin/env bash
# Training throughput and per-phase time breakdown from real `synthview train` runs (not a test).
# Usage: tools/bench/train_throughput.sh [BUILD_DIR] [STEPS] [extra --set key=value ...]
# Defaults match docs/performance.md: resnet18 at 32 px, global batch 256, on 1 and 2 ranks.
set -euo pipefail
build_dir=${1:-build}
steps=${2:-8}
shift 2 || true
bin=$build_dir/synthview
work=$(mktemp -d /tmp/synthview-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mpirun_args=(--oversubscribe --bind-to none)
[ "$(id -u)" -eq 0 ] && mpirun_args+=(--allow-run-as-root)
sets=(--set train.batch_size=256 --set train.steps="$steps" --set ckpt.every=0 --set augment.out_size=32
      --set model.encoder=resnet18 --set train.align_every=0)
for extra in "$@"; do sets+=(--set "$extra"); done

for ranks in ${RANKS:-1 2}; do
  mpirun "${mpirun_args[@]}" -np "$ranks" "$bin" train --config configs/demo.yaml --set run.dir="$work/r$ranks" \
    "${sets[@]}" 2>/dev/null
  /usr/bin/python3 - "$work/r$ranks/metrics.jsonl" "$ranks" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
steady = rows[2:] if len(rows) > 3 else rows  # the first steps include allocation and thread start-up
phases = [k for k in steady[0] if k.startswith("time_")]
step_s = {k: sum(r[k] for r in steady) / len(steady) for k in phases}
total = sum(step_s.values())
rate = sum(r["samples_per_s"] for r in steady) / len(steady)
print(f"ranks {sys.argv[2]}: {rate:8.1f} anchors/s  ({total:.3f} s/step over {len(steady)} steady steps)")
for k in phases:
    print(f"    {k[5:]:<10} {step_s[k]:8.4f} s  {100 * step_s[k] / total:5.1f} %")
PY
done
