#!/usr/bin/env bash
# `make demo`'s job at several seeds: does the trained encoder beat the untrained one by at least MARGIN
# points on the linear probe and on kNN k=20 (issue 12)? A benchmark, not a test: minutes per seed.
# Usage: tools/bench/demo_seeds.sh [BUILD_DIR=build] [extra key=value ...]
# Environment: SEEDS="0 1 2", MARGIN=3, OUT=runs/demo-seeds (each seed's log and run folder).
# Prints one line per seed (trained, untrained, raw pixels, margins) and exits 1 if any margin is short.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${1:-build}
shift || true
out=${OUT:-runs/demo-seeds}
margin=${MARGIN:-3}
mkdir -p "$out"
cd "$repo"

short=0
printf '%-5s %-22s %-22s %-22s %s\n' seed "trained lin/kNN20" "untrained lin/kNN20" "pixels lin/kNN20" "margins"
for seed in ${SEEDS:-0 1 2}; do
  log=$out/seed-$seed.log
  start=$SECONDS
  SYNTHVIEW_DEMO_DIR=$out/seed-$seed tools/run-demo.sh "$build_dir" "seed=$seed" "$@" > "$log" 2>&1 ||
    { tail -n 20 "$log"; echo "demo_seeds: seed $seed failed (log $log)" >&2; exit 2; }
  # The demo's table: "  trained encoder  <linear>  <kNN k=20>  <kNN k=200>".
  row() { awk -v name="$1" '$0 ~ "^  " name " " { print $(NF-2), $(NF-1) }' "$log"; }
  read -r trained_linear trained_knn < <(row "trained encoder")
  read -r untrained_linear untrained_knn < <(row "untrained encoder")
  read -r pixels_linear pixels_knn < <(row "raw pixels")
  verdict=$(awk -v a="$trained_linear" -v b="$untrained_linear" -v c="$trained_knn" -v d="$untrained_knn" -v m="$margin" \
    'BEGIN { printf "%+.2f / %+.2f %s", a - b, c - d, (a - b >= m && c - d >= m) ? "ok" : "SHORT" }')
  [[ $verdict == *SHORT ]] && short=1
  printf '%-5s %-22s %-22s %-22s %s  (%ds)\n' "$seed" "$trained_linear / $trained_knn" \
    "$untrained_linear / $untrained_knn" "$pixels_linear / $pixels_knn" "$verdict" $((SECONDS - start))
done
[ $short = 0 ] || { echo "demo_seeds: a margin is below $margin points"; exit 1; }
echo "demo_seeds: every seed's trained encoder is at least $margin points ahead on linear and kNN k=20"
