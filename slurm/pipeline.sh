#!/usr/bin/env bash
# Submits a training job and an evaluation job that starts only if the training succeeded
# (sbatch --dependency=afterok). With --study: the scaling-study array, and an eval array whose
# task i starts when training task i succeeded (--dependency=aftercorr).
#
# Usage: slurm/pipeline.sh [options] [--] [key=value ...]
#   --config FILE      training config (default: $CONFIG, else configs/demo.yaml)
#   --run-dir DIR      run folder (default runs/<config name>-<date-time>); with --study the parent
#                      of the per-value folders
#   --study            scaling study over data.unique_samples (slurm/scaling-study.sbatch)
#   --probe P          linear (default) or knn
#   --dry-run          print the sbatch commands instead of submitting
#   key=value          settings for training (become --set key=value)
# Environment: TRAIN_SBATCH_ARGS / EVAL_SBATCH_ARGS, extra sbatch options for each job (e.g.
# "--partition=gpu --gpus-per-node=4 --ntasks-per-node=4"), word-split; UNIQUE_SAMPLES as in
# scaling-study.sbatch; EVAL_ARGS as in eval.sbatch; SYNTHVIEW_BIN. Prints "train JOBID" and "eval JOBID"; run from anywhere:
# the jobs find the checkout through SYNTHVIEW_HOME, set here. Exit 2 on bad arguments.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(dirname "$script_dir")

usage() {
  awk 'NR > 1 && !/^#/ { exit } /^# Usage:/ { p = 1 } p { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"
}
die_usage() {
  echo "pipeline.sh: error: $1" >&2
  usage >&2
  exit 2
}

config=${CONFIG:-configs/demo.yaml}
run_dir=""
study=0
probe=linear
dry_run=0
while [ $# -gt 0 ]; do
  case "$1" in
    --config) [ $# -ge 2 ] || die_usage "--config needs a file"; config=$2; shift 2 ;;
    --run-dir) [ $# -ge 2 ] || die_usage "--run-dir needs a folder"; run_dir=$2; shift 2 ;;
    --probe) [ $# -ge 2 ] || die_usage "--probe needs linear or knn"; probe=$2; shift 2 ;;
    --study) study=1; shift ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) die_usage "unknown option '$1'" ;;
    *) break ;;
  esac
done
for kv in "$@"; do
  [[ "$kv" == *=* ]] || die_usage "setting '$kv' is not key=value"
done
case "$probe" in linear|knn) ;; *) die_usage "--probe must be linear or knn, got '$probe'" ;; esac
[ -f "$config" ] || die_usage "config file '$config' not found (paths are relative to $(pwd))"
if [ "$dry_run" -eq 0 ] && ! command -v sbatch >/dev/null 2>&1; then
  echo "pipeline.sh: error: sbatch not found; run this on a Slurm login node" >&2
  exit 2
fi

stem=$(basename "$config"); stem=${stem%.*}
run_dir=${run_dir:-runs/$stem-$(date +%Y%m%d-%H%M%S)}
export CONFIG=$config SYNTHVIEW_HOME=${SYNTHVIEW_HOME:-$repo_root} PROBE=$probe
read -r -a train_opts <<<"${TRAIN_SBATCH_ARGS:-}"
read -r -a eval_opts <<<"${EVAL_SBATCH_ARGS:-}"

# submit ARGS...: sbatch --parsable, echoing the job id ("id;cluster" on federations -> id).
submit() {
  if [ "$dry_run" -eq 1 ]; then
    local env_shown=() name
    for name in CONFIG STUDY_DIR CKPT CKPTS PROBE EVAL_ARGS; do
      if [ -n "${!name:-}" ]; then env_shown+=("$name=${!name}"); fi
    done
    echo "dry-run: $(printf '%q ' ${env_shown[@]+"${env_shown[@]}"} sbatch --parsable "$@")" >&2
    echo "DRYRUN$RANDOM"
    return
  fi
  local out
  out=$(sbatch --parsable "$@") || { echo "pipeline.sh: error: sbatch $* failed" >&2; exit 1; }
  echo "${out%%;*}"
}

if [ "$study" -eq 1 ]; then
  read -r -a values <<<"${UNIQUE_SAMPLES:-1000 10000 100000 0}"
  ckpts=()
  for n in "${values[@]}"; do
    if [ "$n" = 0 ]; then ckpts+=("$run_dir/unique-unbounded"); else ckpts+=("$run_dir/unique-$n"); fi
  done
  array=0-$(( ${#values[@]} - 1 ))
  train_id=$(STUDY_DIR=$run_dir submit --array="$array" ${train_opts[@]+"${train_opts[@]}"} \
             "$script_dir/scaling-study.sbatch" "$@")
  eval_id=$(CKPTS="${ckpts[*]}" submit --array="$array" --dependency="aftercorr:$train_id" \
            --kill-on-invalid-dep=yes ${eval_opts[@]+"${eval_opts[@]}"} "$script_dir/eval.sbatch")
else
  train_id=$(submit ${train_opts[@]+"${train_opts[@]}"} "$script_dir/train.sbatch" "$@" "run.dir=$run_dir")
  eval_id=$(CKPT=$run_dir submit --dependency="afterok:$train_id" --kill-on-invalid-dep=yes \
            ${eval_opts[@]+"${eval_opts[@]}"} "$script_dir/eval.sbatch")
fi
echo "train $train_id"
echo "eval $eval_id"
echo "run dir: $run_dir   (squeue -j $train_id,$eval_id; the eval job is cancelled if training fails)" >&2
