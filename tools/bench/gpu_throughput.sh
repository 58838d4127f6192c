#!/usr/bin/env bash
# GPU training throughput and model FLOP utilisation (issue 10), from real `synthview train` runs:
#   (a) ResNet-18, 32 px, the builtin generator (configs/demo.yaml at torchvision width)
#   (b) ResNet-50, 128 px, a 128 px 3-channel TorchScript generator exported by tools/export_generator.py
# both bf16, one rank. MFU = model FLOPs per second (tools/bench/model_flops.py: generator forward +
# encoder forward and backward) / a bf16 8192^3 matmul measured in the same run.
# Usage: tools/bench/gpu_throughput.sh [BUILD_DIR] [OUT_DIR] [STEPS]   (python3 with torch + CUDA)
set -euo pipefail
build=${1:-build-cuda}
out=${2:-gpu-bench}
steps=${3:-30}
python=${GPU_CHECK_PYTHON:-python3}
mkdir -p "$out"
here=$(dirname "$0")

peak=$("$python" - <<'PY'
import torch
a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
b = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
for _ in range(3):
    a @ b
start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
start.record()
for _ in range(10):
    a @ b
end.record()
torch.cuda.synchronize()
print(10 * 2 * 8192 ** 3 / (start.elapsed_time(end) / 1e3))
PY
)
echo "bf16 matmul 8192^3: $(awk "BEGIN {printf \"%.0f\", $peak / 1e12}") TFLOP/s"

# run NAME FLOPS_ARGS -- TRAIN_SETS...: trains, then prints anchors/s, phases and MFU from metrics.jsonl.
run() {
  local name=$1; shift
  local flop_args=()
  while [ "$1" != "--" ]; do flop_args+=("$1"); shift; done
  shift
  local sets=()
  for s in "$@"; do sets+=(--set "$s"); done
  "$build/synthview" train --config configs/demo.yaml --set device=cuda --set train.precision=bf16 \
    --set train.steps="$steps" --set ckpt.every=0 --set train.align_every=0 --set run.dir="$out/$name" "${sets[@]}" \
    >"$out/$name.train.log" 2>&1
  local flops
  flops=$(/usr/bin/env "$python" "$here/model_flops.py" "${flop_args[@]}")
  "$python" - "$out/$name/metrics.jsonl" "$name" "$peak" "$flops" <<'PY' | tee -a "$out/summary.txt"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
steady = rows[5:] if len(rows) > 8 else rows
rate = sum(r["samples_per_s"] for r in steady) / len(steady)
flops = json.loads(sys.argv[4])["flops_per_anchor"]
peak = float(sys.argv[3])
phases = {k[5:]: sum(r[k] for r in steady) / len(steady) for k in steady[0] if k.startswith("time_")}
total = sum(phases.values())
print(json.dumps({"run": sys.argv[2], "anchors_per_s": round(rate, 1), "model_tflops": round(rate * flops / 1e12, 2),
                  "mfu": round(rate * flops / peak, 4), "peak_bf16_tflops": round(peak / 1e12, 1),
                  "phase_share": {k: round(v / total, 3) for k, v in phases.items()}}))
PY
}

run resnet18-32px --encoder resnet18 --size 32 --channels 1 --stem small --gen-resolution 32 --gen-channels 1 -- \
  model.width=64 model.stem=small model.proj_hidden=512 model.proj_dim=128 train.batch_size=512 augment.out_size=32

"$python" tools/export_generator.py --out "$out/gen128.pt" --num-classes 0 --channels 3 --resolution 128 --width 64 \
  >"$out/export.log" 2>&1
run resnet50-128px --encoder resnet50 --size 128 --channels 3 --stem imagenet --proj-hidden 2048 \
  --gen-resolution 128 --gen-channels 3 \
  --gen-classes 0 --gen-width 64 -- \
  model.encoder=resnet50 model.width=64 model.stem=imagenet model.proj_hidden=2048 model.proj_dim=128 \
  generator.kind=torchscript generator.path="$PWD/$out/gen128.pt" train.batch_size=256 augment.out_size=128
