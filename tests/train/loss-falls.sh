#!/usr/bin/env bash
# Training works: over 40 steps the mean loss of the last 5 steps is clearly below the first 5.
# Args: BIN SOURCE_DIR NP [--set key=value ...]
source "$(dirname "$0")/lib.sh" "$1" "$2"
np=$3
shift 3
train "$np" "$WORK/run" --set train.steps=40 --set ckpt.every=0 --set optim.lr=0.3 "$@"
/usr/bin/python3 - "$WORK/run/metrics.jsonl" <<'PY'
import json, sys
losses = [json.loads(line)["loss"] for line in open(sys.argv[1])]
first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
print(f"loss first5 {first:.4f} last5 {last:.4f}")
sys.exit(0 if last < first - 0.1 else 1)
PY
