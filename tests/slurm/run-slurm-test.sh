#!/usr/bin/env bash
# Slurm integration test (CTest: slurm_integration). Starts a real one-node Slurm cluster (munged,
# slurmctld, slurmd) in a private temp folder, submits synthview jobs through sbatch and the
# slurm/ templates, checks exit codes and outputs, and always stops every daemon it started.
#
# Usage: tests/slurm/run-slurm-test.sh SYNTHVIEW_BIN SOURCE_DIR
# Needs root, slurm-wlm and munge (tools/setup-deps.sh installs them); fails, never skips, without.
# SYNTHVIEW_SLURM_KEEP=1 keeps the temp folder (it is always kept when the test fails).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 SYNTHVIEW_BIN SOURCE_DIR" >&2
  exit 2
fi
bin=$(realpath "$1")
src=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/minicluster.sh
source "$here/minicluster.sh"

say() { echo "slurm_integration: $*"; }
fail() {
  echo "slurm_integration: FAIL: $*" >&2
  exit 1
}
[ -x "$bin" ] || fail "synthview binary '$bin' is missing"

tmp=$(mktemp -d /tmp/synthview-slurm.XXXXXX)
chmod 755 "$tmp"  # munged wants every folder above its socket searchable by all
started=$SECONDS
finish() {
  local status=$?
  trap - EXIT INT TERM
  if [ "$status" -ne 0 ]; then
    mc_dump_logs
    for f in "$tmp"/out/*.out; do
      [ -f "$f" ] || continue
      echo "----- job output $f -----" >&2
      tail -n 40 "$f" >&2
    done
  fi
  mc_stop
  if [ "$status" -eq 0 ] && [ "${SYNTHVIEW_SLURM_KEEP:-0}" != 1 ]; then
    rm -rf "$tmp"
  else
    echo "slurm_integration: files kept in $tmp" >&2
  fi
  echo "slurm_integration: $([ "$status" -eq 0 ] && echo PASS || echo FAIL) in $(( SECONDS - started ))s"
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mc_require || fail "Slurm and munge are required (run tools/setup-deps.sh as root)"
mkdir -p "$tmp/out" "$tmp/jobs"
mc_start "$tmp/cluster" || fail "the one-node Slurm cluster did not come up (logs above)"

# job_field ID FIELD: JobState, ExitCode, ... of a job, from scontrol (MinJobAge=0: never purged).
job_field() {
  mc scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# submit_wait NAME SECONDS SBATCH_ARGS...: sbatch --wait, bounded; sets rc and job_id.
submit_wait() {
  local name=$1 limit=$2 out
  shift 2
  rc=0
  out=$(mc timeout "$limit" sbatch --wait --job-name="sv-$name" --time=10 --chdir="$tmp" \
        --output="$tmp/out/$name.out" "$@") || rc=$?
  job_id=$(sed -n 's/^Submitted batch job \([0-9]*\).*/\1/p' <<<"$out")
  [ -n "$job_id" ] || fail "$name: sbatch did not submit: $out"
  if [ "$rc" -eq 124 ]; then
    fail "$name: job $job_id did not finish within ${limit}s (state $(job_field "$job_id" JobState))"
  fi
}

expect_in() {  # expect_in FILE TEXT WHAT
  grep -qF -- "$2" "$1" || fail "$3: '$2' not in $1"
}

# A batch script running one synthview step through srun (Slurm starts the process: slurmstepd).
write_config_job() {
  local file=$1
  shift
  {
    echo '#!/bin/bash'
    echo '#SBATCH --ntasks=1'
    printf 'exec srun %q config --config %q' "$bin" "$src/configs/demo.yaml"
    printf ' %q' "$@"
    echo
  } >"$file"
}

# 1. A good job: exit 0 and the resolved config in the output file.
write_config_job "$tmp/jobs/config-ok.sh" --set train.steps=3
submit_wait config-ok 120 "$tmp/jobs/config-ok.sh"
[ "$rc" -eq 0 ] || fail "config-ok: sbatch --wait exit $rc, want 0 (job $job_id)"
expect_in "$tmp/out/config-ok.out" "steps: 3" "config-ok"
[ "$(job_field "$job_id" JobState)" = COMPLETED ] || fail "config-ok: job state $(job_field "$job_id" JobState)"
say "ok: config job $job_id completed, output has the override"

# 2. A bad key: the job fails with synthview's bad-input code 2 and its one-line error.
write_config_job "$tmp/jobs/config-bad.sh" --set train.stepz=3
submit_wait config-bad 120 "$tmp/jobs/config-bad.sh"
[ "$rc" -eq 2 ] || fail "config-bad: sbatch --wait exit $rc, want 2 (job $job_id)"
expect_in "$tmp/out/config-bad.out" "synthview: error: unknown config key 'train.stepz'" "config-bad"
[ "$(job_field "$job_id" ExitCode)" = 2:0 ] || fail "config-bad: job ExitCode $(job_field "$job_id" ExitCode), want 2:0"
say "ok: bad-key job $job_id failed with exit code 2 and the one-line error"

# 3. slurm/pipeline.sh: a training job that fails on a bad key must take its dependent eval job
#    with it (afterok + --kill-on-invalid-dep): the eval job never runs.
pipe_out=$(cd "$tmp" && mc env SYNTHVIEW_BIN="$bin" SYNTHVIEW_HOME="$src" \
           TRAIN_SBATCH_ARGS="--time=10 --output=$tmp/out/pipe-train.out" \
           EVAL_SBATCH_ARGS="--time=10 --output=$tmp/out/pipe-eval.out" \
           "$src/slurm/pipeline.sh" --config "$src/configs/demo.yaml" --run-dir "$tmp/pipe-run" \
           no.such_key=1 2>"$tmp/out/pipeline.err") || fail "pipeline.sh failed: $(cat "$tmp/out/pipeline.err")"
train_id=$(sed -n 's/^train //p' <<<"$pipe_out")
eval_id=$(sed -n 's/^eval //p' <<<"$pipe_out")
[ -n "$train_id" ] && [ -n "$eval_id" ] || fail "pipeline.sh printed no job ids: $pipe_out"
deadline=$(( SECONDS + 120 ))
while [ -n "$(mc squeue -h -j "$train_id,$eval_id" 2>/dev/null)" ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "pipeline: jobs $train_id,$eval_id still queued after 120s"
  sleep 1
done
[ "$(job_field "$train_id" JobState)" = FAILED ] || fail "pipeline: train job state $(job_field "$train_id" JobState), want FAILED"
[ "$(job_field "$train_id" ExitCode)" = 2:0 ] || fail "pipeline: train ExitCode $(job_field "$train_id" ExitCode), want 2:0"
[ "$(job_field "$eval_id" JobState)" = CANCELLED ] || fail "pipeline: eval job state $(job_field "$eval_id" JobState), want CANCELLED"
[ ! -e "$tmp/out/pipe-eval.out" ] || fail "pipeline: the eval job ran although training failed"
# train.sbatch checks the config before starting ranks: one error line, not one per rank.
errors=$(grep -c "synthview: error: unknown config key 'no.such_key'" "$tmp/out/pipe-train.out" || true)
[ "$errors" -eq 1 ] || fail "pipeline: $errors error lines in $tmp/out/pipe-train.out, want 1"
say "ok: pipeline train job $train_id failed (exit 2), dependent eval job $eval_id was cancelled"

# 4. Training through slurm/train.sbatch on 2 ranks (srun --mpi=pmix), then continued with
#    --resume auto through the mpirun launcher; only once the binary has a train command.
if "$bin" --help | grep -qE '^ +train +'; then
  sets=(train.batch_size=8 model.proj_dim=16 ckpt.every=2 "run.dir=$tmp/run")
  submit_wait train 300 --nodes=1 --ntasks=2 --cpus-per-task=1 \
    --export="ALL,CONFIG=$src/configs/demo.yaml,SYNTHVIEW_BIN=$bin,SYNTHVIEW_HOME=$src" \
    "$src/slurm/train.sbatch" train.steps=2 "${sets[@]}"
  [ "$rc" -eq 0 ] || fail "train: sbatch --wait exit $rc, want 0 (job $job_id)"
  [ -s "$tmp/run/metrics.jsonl" ] || fail "train: $tmp/run/metrics.jsonl missing or empty"
  [ -f "$tmp/run/checkpoints/step-00000002.h5" ] || fail "train: no checkpoints/step-00000002.h5 in $tmp/run"
  say "ok: 2-rank training job $job_id (srun --mpi=pmix) wrote metrics.jsonl and a step-2 checkpoint"

  submit_wait train-resume 300 --nodes=1 --ntasks=2 --cpus-per-task=1 \
    --export="ALL,CONFIG=$src/configs/demo.yaml,SYNTHVIEW_BIN=$bin,SYNTHVIEW_HOME=$src,LAUNCHER=mpirun" \
    "$src/slurm/train.sbatch" train.steps=4 "${sets[@]}"
  [ "$rc" -eq 0 ] || fail "train-resume: sbatch --wait exit $rc, want 0 (job $job_id)"
  expect_in "$tmp/out/train-resume.out" "resumed from $tmp/run/checkpoints/step-00000002.h5" "train-resume"
  [ -f "$tmp/run/checkpoints/step-00000004.h5" ] || fail "train-resume: no checkpoints/step-00000004.h5 in $tmp/run"
  say "ok: resumed training job $job_id (mpirun launcher, --resume auto) reached step 4"

  # 5. slurm/pipeline.sh with a training job that succeeds: the dependent eval job is released
  #    (afterok) and starts on the run's newest checkpoint. A full evaluation encodes the whole
  #    Fashion-MNIST test set (minutes here), so the test cancels the job once it has started.
  if "$bin" --help | grep -qE '^ +eval +'; then
    pipe_out=$(cd "$tmp" && mc env SYNTHVIEW_BIN="$bin" SYNTHVIEW_HOME="$src" EVAL_ARGS="--train-limit 500" \
               TRAIN_SBATCH_ARGS="--time=10 --output=$tmp/out/pipe-ok-train.out" \
               EVAL_SBATCH_ARGS="--time=10 --output=$tmp/out/pipe-ok-eval.out" \
               "$src/slurm/pipeline.sh" --config "$src/configs/demo.yaml" --run-dir "$tmp/pipe-ok" \
               --probe knn train.steps=2 "${sets[@]:0:2}" 2>"$tmp/out/pipeline-ok.err") \
      || fail "pipeline.sh failed: $(cat "$tmp/out/pipeline-ok.err")"
    train_id=$(sed -n 's/^train //p' <<<"$pipe_out")
    eval_id=$(sed -n 's/^eval //p' <<<"$pipe_out")
    [ -n "$train_id" ] && [ -n "$eval_id" ] || fail "pipeline.sh printed no job ids: $pipe_out"
    want="--ckpt $tmp/pipe-ok/checkpoints/step-00000002.h5 --probe knn --json --train-limit 500"
    deadline=$(( SECONDS + 180 ))
    until grep -qF -- "$want" "$tmp/out/pipe-ok-eval.out" 2>/dev/null; do
      state=$(job_field "$eval_id" JobState)
      case "$state" in PENDING|RUNNING|CONFIGURING) ;; *) fail "pipeline: eval job $eval_id is $state before starting on the checkpoint" ;; esac
      [ "$SECONDS" -lt "$deadline" ] || fail "pipeline: eval job $eval_id not started after 180s (state $state)"
      sleep 1
    done
    [ "$(job_field "$train_id" JobState)" = COMPLETED ] || fail "pipeline: train job state $(job_field "$train_id" JobState)"
    mc scancel "$eval_id" 2>/dev/null || true  # it may have finished already
    say "ok: pipeline train job $train_id completed, then eval job $eval_id started on its step-2 checkpoint (cancelled)"
  else
    say "note: '$bin --help' lists no eval command; the successful pipeline is not exercised"
  fi
else
  say "note: '$bin --help' lists no train command; training through Slurm not exercised"
fi
