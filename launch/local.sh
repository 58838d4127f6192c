#!/usr/bin/env bash
# Runs synthview on NP ranks of this machine (a workstation, or one node you are logged in to)
# through Open MPI's mpirun. It only assembles the mpirun line; the binary does the rest.
#
# Usage: launch/local.sh -n NP|auto [--dry-run] [--] SYNTHVIEW_ARGS...
#   e.g. launch/local.sh -n 2 train --config configs/demo.yaml --set train.steps=100
#
# Rank -> GPU binding happens INSIDE the binary from its local rank (MPI_Comm_split_type, i.e.
# OMPI_COMM_WORLD_LOCAL_RANK under mpirun, SLURM_LOCALID under srun). This script therefore never
# sets CUDA_VISIBLE_DEVICES per rank: every rank must see every GPU of the node, or the binary's
# "local rank r uses device r" would point at devices a rank cannot see. Set CUDA_VISIBLE_DEVICES
# yourself, once for all ranks, to restrict the run to some GPUs.
#
# Environment:
#   SYNTHVIEW_BIN          the binary (default: build/synthview of this checkout)
#   SYNTHVIEW_MPIRUN       the mpirun to use (default: mpirun on PATH)
#   SYNTHVIEW_MPIRUN_ARGS  extra mpirun options, word-split (e.g. "--mca btl tcp,self")
# Exit status: synthview's own (0 ok, 2 bad input, 3 distributed failure, 1 other, 4 train stopped
# by a signal after its checkpoint: send SIGUSR1 to mpirun for that, it forwards it to every rank);
# 2 for bad arguments to this script.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(dirname "$script_dir")

usage() {
  cat <<'EOF'
usage: launch/local.sh -n NP|auto [--dry-run] [--] SYNTHVIEW_ARGS...
  -n NP       number of MPI ranks (a positive integer), or 'auto' = one per GPU (1 without GPUs)
  --dry-run   print the mpirun command instead of running it
  -h, --help  this message
example: launch/local.sh -n 2 train --config configs/demo.yaml --set train.steps=100
env: SYNTHVIEW_BIN (default build/synthview), SYNTHVIEW_MPIRUN, SYNTHVIEW_MPIRUN_ARGS
EOF
}

die_usage() {
  echo "launch/local.sh: error: $1" >&2
  usage >&2
  exit 2
}

ranks=""
dry_run=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--np)
      [ $# -ge 2 ] || die_usage "$1 needs a value"
      ranks=$2
      shift 2
      ;;
    -n*) ranks=${1#-n}; shift ;;
    --np=*) ranks=${1#--np=}; shift ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) die_usage "unknown option '$1' (synthview's own options go after the subcommand)" ;;
    *) break ;;
  esac
done

[ -n "$ranks" ] || die_usage "-n NP is required"
if [ "$ranks" = auto ]; then
  gpus=0
  if command -v nvidia-smi >/dev/null 2>&1; then
    gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)
  fi
  ranks=$(( gpus > 0 ? gpus : 1 ))
fi
[[ "$ranks" =~ ^[1-9][0-9]*$ ]] || die_usage "-n wants a positive integer or 'auto', got '$ranks'"
[ $# -gt 0 ] || die_usage "no synthview subcommand given (e.g. train --config configs/demo.yaml)"

bin=${SYNTHVIEW_BIN:-$repo_root/build/synthview}
if [ ! -x "$bin" ]; then
  echo "launch/local.sh: error: synthview binary '$bin' not found or not executable" \
       "(build it with 'make build', or set SYNTHVIEW_BIN)" >&2
  exit 2
fi
mpirun_bin=${SYNTHVIEW_MPIRUN:-mpirun}
if ! command -v "$mpirun_bin" >/dev/null 2>&1; then
  echo "launch/local.sh: error: '$mpirun_bin' not found (install openmpi-bin, or set SYNTHVIEW_MPIRUN)" >&2
  exit 2
fi

cmd=("$mpirun_bin" -np "$ranks")
if [ "$(id -u)" -eq 0 ]; then
  # Open MPI refuses to run as root unless told twice; the flag covers mpirun, the env its children.
  cmd+=(--allow-run-as-root)
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
cores=$(nproc)
if [ "$ranks" -gt "$cores" ]; then
  # More ranks than cores: mpirun would refuse ("not enough slots") without this.
  cmd+=(--oversubscribe)
fi
# No binding: each rank sets its own torch thread count (cores / local ranks); binding every rank to
# one core, mpirun's default for np <= 2, would squeeze those threads onto that core.
cmd+=(--bind-to none)
if [ -n "${SYNTHVIEW_MPIRUN_ARGS:-}" ]; then
  read -r -a extra <<<"$SYNTHVIEW_MPIRUN_ARGS"
  cmd+=("${extra[@]}")
fi
cmd+=("$bin" "$@")

if [ "$dry_run" -eq 1 ]; then
  printf '%q ' "${cmd[@]}"
  echo
  exit 0
fi
# mpirun ends the whole job when a rank dies from a signal (OOM killer, kill -9, node loss) and
# reports 128 + signal; report that as the distributed failure it is (exit 3, DESIGN.md).
rc=0
"${cmd[@]}" || rc=$?
if [ "$rc" -gt 128 ]; then
  echo "synthview: error: a rank died from signal $((rc - 128)) and mpirun ended the job (exit $rc);" \
       "continue it with --resume auto" >&2
  exit 3
fi
exit "$rc"
