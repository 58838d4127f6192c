#!/usr/bin/env bash
# synthview vs the same training step written the usual PyTorch way (tools/bench/torch_reference.py:
# DistributedDataParallel over gloo, all-gather with gradient, NT-Xent), issue 16. Not a test.
#
# Usage: tools/bench/vs_torch.sh [BUILD_DIR=build] [ROUNDS=3] [STEPS=12]
#   For 1 rank (global batch 64) and 2 ranks (global batch 128) it runs, ROUNDS times alternating,
#   synthview then the reference: ResNet-18 (small stem) at width 64, plain BN, head 512 -> 128,
#   32 px, 1 latent view per anchor, SGD, 1 torch thread per rank, STEPS steps of which the first 2
#   are warm-up and not counted. Prints each round's steady anchors/s and the ratio synthview/reference,
#   then the median ratio per rank count.
# Environment:
#   RANKS="1 2"   rank counts (global batch = 64 per rank)
#   PYTHON=/usr/bin/python3   the interpreter with python3-torch
#   REF_ARGS="..."            extra arguments for torch_reference.py (e.g. --prefetch 2)
#   DRY_RUN=1                 print the commands and exit without running them
# The reference runs with glibc's allocator told to keep memory (MALLOC_MMAP_THRESHOLD_, _TRIM_THRESHOLD_,
# _TOP_PAD_, its environment only); synthview runs as shipped, without them. Multi-rank runs use mpirun for both.
set -euo pipefail

usage() { sed -n '/^# Usage:/,/^[^#]/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "vs_torch.sh: error: $*" >&2; exit 1; }

case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -le 3 ] || { usage >&2; die "expected at most 3 arguments (BUILD_DIR ROUNDS STEPS), got $#"; }
build_dir=${1:-${BUILD_DIR:-build}}
rounds=${2:-${ROUNDS:-3}}
steps=${3:-${STEPS:-12}}
warmup=2
per_rank_batch=64
ranks_list=${RANKS:-1 2}
py=${PYTHON:-/usr/bin/python3}
dry=${DRY_RUN:-0}

[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$rounds'"
[[ "$steps" =~ ^[0-9]+$ ]] && [ "$steps" -gt "$warmup" ] ||
  die "STEPS must be an integer > $warmup (the first $warmup steps are warm-up), got '$steps'"
for r in $ranks_list; do [[ "$r" =~ ^[1-9][0-9]*$ ]] || die "RANKS must list positive integers, got '$ranks_list'"; done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
case "$build_dir" in /*) ;; *) build_dir="$repo/$build_dir" ;; esac
bin=$build_dir/synthview
ref=$repo/tools/bench/torch_reference.py

mpirun_args=(--oversubscribe --bind-to none)
[ "$(id -u)" -eq 0 ] && mpirun_args+=(--allow-run-as-root)
malloc_env=(MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=1073741824)
# Variables that must not leak into the runs: synthview gets no allocator tuning; the reference
# picks its rank from OMPI_COMM_WORLD_* (mpirun) or defaults to world 1, not from a stray RANK.
clean_env=(env -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ -u MALLOC_TOP_PAD_ -u MALLOC_ARENA_MAX
           -u RANK -u WORLD_SIZE -u LOCAL_RANK -u MASTER_ADDR -u MASTER_PORT)
read -r -a ref_extra <<< "${REF_ARGS:-}"

# The identical step on the synthview side (configs/demo.yaml plus these overrides).
sv_sets() {  # $1 global batch, $2 run dir
  local s
  for s in model.encoder=resnet18 model.width=64 model.norm=bn model.proj_hidden=512 model.proj_dim=128 \
           "train.batch_size=$1" "train.steps=$steps" train.threads=1 train.align_every=0 train.grad_accum=1 \
           train.precision=fp32 views.count=1 views.mode=latent augment.out_size=32 loss.name=simclr \
           loss.temperature=0.1 optim.name=sgd optim.momentum=0.9 optim.weight_decay=0.0001 ckpt.every=0 \
           device=cpu "run.dir=$2"; do
    printf '%s\n' --set "$s"
  done
}

launcher() {  # $1 ranks -> the launch prefix (nothing for 1 rank)
  if [ "$1" -gt 1 ]; then printf '%s\n' mpirun "${mpirun_args[@]}" -np "$1"; fi
}

free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Prints a command, one shell-quoted line.
show() { local out="" a; for a in "$@"; do out+="$(printf '%q' "$a") "; done; echo "  ${out% }"; }

work=$(mktemp -d /tmp/synthview-vs-torch.XXXXXX)
trap '[ -e "$work/.keep" ] && echo "vs_torch.sh: logs kept in $work" >&2 || rm -rf "$work"' EXIT

fail() {  # $1 what, $2 exit code, $3 log
  echo "vs_torch.sh: error: $1 failed with exit code $2; last lines of its output ($3):" >&2
  tail -n 25 "$3" >&2 || true
  touch "$work/.keep"
  exit 1
}

run_synthview() {  # $1 ranks, $2 round -> prints steady anchors/s
  local ranks=$1 round=$2 dir="$work/sv-$1-$2" log="$work/sv-$1-$2.log" rc=0
  local -a cmd sets
  mapfile -t sets < <(sv_sets $((per_rank_batch * ranks)) "$dir")
  mapfile -t cmd < <(launcher "$ranks")
  cmd+=("$bin" train --config configs/demo.yaml "${sets[@]}")
  "${clean_env[@]}" "${cmd[@]}" > "$log" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || fail "synthview ($ranks rank(s), round $round)" "$rc" "$log"
  "$py" - "$dir/metrics.jsonl" "$warmup" <<'PY' || fail "reading synthview's metrics.jsonl" 1 "$log"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
steady = rows[int(sys.argv[2]):]
if not steady:
    sys.exit(f"{sys.argv[1]}: {len(rows)} rows, none after the warm-up steps")
print(sum(r["samples_per_s"] for r in steady) / len(steady))
PY
}

run_reference() {  # $1 ranks, $2 round -> prints steady anchors/s
  local ranks=$1 round=$2 log="$work/ref-$1-$2.log" out="$work/ref-$1-$2.out" rc=0 port
  local -a cmd
  port=$(free_port)
  mapfile -t cmd < <(launcher "$ranks")
  if [ "$ranks" -gt 1 ]; then
    cmd+=(-x MALLOC_MMAP_THRESHOLD_ -x MALLOC_TRIM_THRESHOLD_ -x MALLOC_TOP_PAD_ -x "MASTER_PORT=$port")
  fi
  cmd+=("$py" "$ref" --batch-size $((per_rank_batch * ranks)) --steps "$steps" --warmup-steps "$warmup"
        --width 64 --threads 1 --json "${ref_extra[@]}")
  "${clean_env[@]}" "${malloc_env[@]}" "${cmd[@]}" > "$out" 2> "$log" || rc=$?
  cat "$out" >> "$log"
  [ "$rc" -eq 0 ] || fail "torch_reference.py ($ranks rank(s), round $round)" "$rc" "$log"
  "$py" - "$out" <<'PY' || fail "reading torch_reference.py's JSON line" 1 "$log"
import json, sys
lines = [line for line in open(sys.argv[1]) if line.startswith("{")]
if len(lines) != 1:
    sys.exit(f"expected one JSON line from rank 0, got {len(lines)}")
print(json.loads(lines[0])["anchors_per_s"])
PY
}

echo "vs_torch.sh: $bin vs $ref; rounds $rounds, $steps steps ($warmup warm-up), ranks: $ranks_list" >&2
echo "commands (DIR: a fresh temp folder; each run under ${clean_env[*]}):" >&2
for ranks in $ranks_list; do
  mapfile -t l < <(launcher "$ranks")
  mapfile -t s < <(sv_sets $((per_rank_batch * ranks)) DIR)
  show "${l[@]}" "$bin" train --config configs/demo.yaml "${s[@]}" >&2
  x=()
  [ "$ranks" -gt 1 ] && x=(-x MALLOC_MMAP_THRESHOLD_ -x MALLOC_TRIM_THRESHOLD_ -x MALLOC_TOP_PAD_ -x MASTER_PORT=PORT)
  show "${malloc_env[@]}" "${l[@]}" "${x[@]}" "$py" "$ref" --batch-size $((per_rank_batch * ranks)) \
    --steps "$steps" --warmup-steps "$warmup" --width 64 --threads 1 --json "${ref_extra[@]}" >&2
done
if [ "$dry" = 1 ]; then
  echo "vs_torch.sh: DRY_RUN=1: nothing run" >&2
  exit 0
fi

[ -x "$bin" ] || die "$bin not found or not executable (build first, or pass BUILD_DIR)"
"$py" -c 'import torch, torch.distributed as d; assert d.is_gloo_available()' 2>/dev/null ||
  die "$py cannot import torch with gloo (python3-torch); set PYTHON to an interpreter that can"
for r in $ranks_list; do
  if [ "$r" -gt 1 ]; then command -v mpirun > /dev/null || die "mpirun not found (needed for $r ranks)"; fi
done

results=$work/results.tsv
printf '%-6s %-6s %18s %18s %8s\n' ranks round "synthview a/s" "reference a/s" ratio
for ranks in $ranks_list; do
  for round in $(seq 1 "$rounds"); do
    sv=$(run_synthview "$ranks" "$round")
    rf=$(run_reference "$ranks" "$round")
    ratio=$("$py" -c "import sys; print(float(sys.argv[1]) / float(sys.argv[2]))" "$sv" "$rf")
    printf '%s\t%s\t%s\t%s\t%s\n' "$ranks" "$round" "$sv" "$rf" "$ratio" >> "$results"
    printf '%-6s %-6s %18.2f %18.2f %8.3f\n' "$ranks" "$round" "$sv" "$rf" "$ratio"
  done
done
"$py" - "$results" <<'PY'
import statistics, sys
by_ranks = {}
for line in open(sys.argv[1]):
    ranks, _, sv, rf, ratio = line.split("\t")
    by_ranks.setdefault(int(ranks), []).append((float(sv), float(rf), float(ratio)))
for ranks, rows in by_ranks.items():
    print(f"median over {len(rows)} round(s), {ranks} rank(s), global batch {64 * ranks}: synthview "
          f"{statistics.median(r[0] for r in rows):.2f} anchors/s, reference {statistics.median(r[1] for r in rows):.2f} "
          f"anchors/s, ratio synthview/reference {statistics.median(r[2] for r in rows):.3f}")
PY
