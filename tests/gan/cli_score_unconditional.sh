#!/usr/bin/env bash
# train-generator --score-only on an unconditional generator (a 1-step run at 16 px: barely trained, so most
# classes get few or no samples): its samples are labelled by the real-trained CNN, the class shares are
# a histogram of those labels, a class with too few samples has no per-class figures (null, not a crash),
# and the overall correlation is the mean over the classes that have one.
set -euo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" train-generator --config "$src/configs/gan.yaml" --set generator.num_classes=0 --set generator.resolution=16 \
  --set gan.steps=1 --set gan.every=0 --set run.dir="$tmp" --set gan.out="$tmp/g.h5" --set log.tensorboard=false \
  > "$tmp/train.log"
"$bin" train-generator --score-only --config "$src/configs/gan.yaml" --set generator.path="$tmp/g.h5" \
  --per-class 10 --cnn-steps 5 --split val --json > "$tmp/score.json"
/usr/bin/python3 - "$tmp/score.json" <<'PY'
import json, math, sys
score = json.load(open(sys.argv[1]))
total = 10 * score["per_class"]
assert score["labels"] == "real-cnn", score["labels"]
assert score["overall"]["cnn_real_on_generated"] is None, "1 by construction: must be left out"
shares = [c["scores"]["share"] for c in score["classes"]]
assert abs(sum(shares) - 1) < 1e-9, shares
counts = [round(s * total) for s in shares]
assert all(abs(s * total - n) < 1e-6 for s, n in zip(shares, counts)), shares
with_figures = []
for c, n in zip(score["classes"], counts):
    s = c["scores"]
    if n > 5:  # precision/recall need k + 1 = 4, density/coverage k + 1 = 6 samples
        assert all(isinstance(s[k], (int, float)) for k in ("frechet", "precision", "coverage")), c
        with_figures.append(s["correlation_generated"])
    else:
        assert s["frechet"] is None and s["correlation_generated"] is None, c
expected = sum(with_figures) / max(1, len(with_figures))
assert math.isclose(score["overall"]["correlation_generated"], expected, rel_tol=1e-4, abs_tol=1e-6), \
    (score["overall"]["correlation_generated"], expected)
print(f"unconditional score: shares {counts}, {len(with_figures)} classes with figures")
PY
