#!/usr/bin/env bash
# On the fly vs offline (issue 16): the paper's code renders its generator's samples to PNG files once and
# trains from them with a data loader; synthview renders every sample when a step needs it. Not a test.
#
# Usage: tools/bench/offline_vs_online.sh [BUILD_DIR=build] [STEPS=12] [POOLS="640 6400"]
#   Offline, for each pool of N anchors: tools/bench/torch_reference.py --png-pool N renders N anchors and
#   their latent views to PNG (timed), then trains STEPS steps reading them back through a DataLoader
#   (1 worker) with the same augmentations. Online: tools/bench/vs_torch.sh with RANKS=1 and 1 round runs
#   synthview and the reference rendering on the fly, the same step (1 rank, 64 anchors, 1 thread).
#   Prints each way's steady anchors/s, the render time, and the pool size below which rendering ahead
#   pays back within the run (the render time against the time saved per step).
set -euo pipefail
build_dir=${1:-build}
steps=${2:-12}
pools=${3:-640 6400}
py=${PYTHON:-/usr/bin/python3}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d /tmp/synthview-offline.XXXXXX)
trap 'rm -rf "$work"' EXIT
malloc_env=(MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=1073741824)

echo "online: RANKS=1 tools/bench/vs_torch.sh $build_dir 1 $steps" >&2
online=$(RANKS=1 "$repo/tools/bench/vs_torch.sh" "$build_dir" 1 "$steps" | tee /dev/stderr | grep '^median')
sv_rate=$(sed -n 's/.*synthview \([0-9.]*\) anchors\/s.*/\1/p' <<<"$online")
ref_rate=$(sed -n 's/.*reference \([0-9.]*\) anchors\/s.*/\1/p' <<<"$online")
[ -n "$sv_rate" ] && [ -n "$ref_rate" ] || { echo "offline_vs_online.sh: cannot read vs_torch.sh's summary" >&2; exit 1; }

printf '%-8s %10s %16s %16s %16s %14s\n' pool "render s" "offline a/s" "reference a/s" "synthview a/s" "offline pays back"
for pool in $pools; do
  echo "offline: torch_reference.py --png-pool $pool --png-dir $work/pool-$pool --steps $steps" >&2
  line=$(env "${malloc_env[@]}" "$py" "$repo/tools/bench/torch_reference.py" --png-pool "$pool" \
           --png-dir "$work/pool-$pool" --steps "$steps" --threads 1 --json | grep '^{')
  "$py" - "$line" "$pool" "$ref_rate" "$sv_rate" <<'PY'
import json, sys
result, pool, ref_rate, sv_rate = json.loads(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
offline_rate, render = result["anchors_per_s"], result["render_s"]
# Rendering ahead pays when the seconds it saves per anchor trained (1/online - 1/offline, against the
# faster online trainer) times the anchors trained exceed the render time; per anchor of the pool:
render_per_anchor = render / pool
saved_per_anchor = 1 / sv_rate - 1 / offline_rate
note = (f"{'never' if saved_per_anchor <= 0 else f'anchors trained > {render_per_anchor / saved_per_anchor:.0f} x N'}")
print(f"{pool:<8d} {render:10.1f} {offline_rate:16.2f} {ref_rate:16.2f} {sv_rate:16.2f}   {note}")
PY
done
