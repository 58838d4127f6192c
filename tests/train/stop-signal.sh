#!/usr/bin/env bash
# Graceful stop (Slurm preemption, scancel, time limit): SIGTERM to ONE rank makes every rank finish
# the same step, write a checkpoint and exit 4; --resume auto then ends bit-identical to a straight
# run. SIGUSR1 to mpirun (which forwards it to the ranks) does the same.
source "$(dirname "$0")/lib.sh" "$@"
steps=120
common=(--set train.steps=$steps --set ckpt.every=0 --set run.log_every=1000)

# start_run DIR: a 2-rank run in the background (pid in $job) once it has done 3 steps.
start_run() {
  local dir=$1
  train 2 "$dir" "${common[@]}" > "$dir.log" 2>&1 &
  job=$!
  for _ in $(seq 600); do
    [ "$(wc -l < "$dir/metrics.jsonl" 2>/dev/null || echo 0)" -ge 3 ] && return 0
    sleep 0.1
  done
  cat "$dir.log"
  fail "$dir: fewer than 3 steps within 60 s"
}

# expect_stopped DIR SIGNAL: exit 4, the message, a verified checkpoint at the last logged step.
expect_stopped() {
  local dir=$1 signal=$2 rc=0
  wait "$job" || rc=$?
  cat "$dir.log"
  [ "$rc" -eq 4 ] || fail "$signal: the job exited $rc, want 4"
  grep -q "stopped by $signal after step" "$dir.log" || fail "$signal: no 'stopped by $signal' line"
  stopped_at=$(last_metric "$dir/metrics.jsonl" step)
  [ "$stopped_at" -lt "$steps" ] || fail "$signal: the run finished ($stopped_at steps) before the signal"
  local checkpoint
  checkpoint=$(printf '%s/checkpoints/step-%08d.h5' "$dir" "$stopped_at")
  "$BIN" ckpt verify "$checkpoint" > /dev/null || fail "$signal: $checkpoint missing or corrupt"
}

start_run "$WORK/term"
kill -TERM "$(job_ranks "$job" | tail -n 1)"  # one rank only, as if its node were preempted
expect_stopped "$WORK/term" SIGTERM
train 2 "$WORK/term" "${common[@]}" --resume auto > "$WORK/resume.log" 2>&1 || { cat "$WORK/resume.log"; fail "resume failed"; }
grep -q "resumed from .*step-$(printf %08d "$stopped_at").h5" "$WORK/resume.log" || fail "did not resume at step $stopped_at"
train 2 "$WORK/straight" "${common[@]}" > /dev/null 2>&1
final=$(printf 'checkpoints/step-%08d.h5' $steps)
"$BIN" ckpt diff "$WORK/straight/$final" "$WORK/term/$final" || fail "stopped + resumed differs from the straight run"
term_step=$stopped_at

start_run "$WORK/usr1"
kill -USR1 "$(job_mpirun "$job")"
expect_stopped "$WORK/usr1" SIGUSR1
echo "SIGTERM to one rank: all stopped after step $term_step (exit 4), resumed bit-identical;" \
     "SIGUSR1 to mpirun: stopped after step $stopped_at"
