#!/usr/bin/env bash
# Exact resume where only host 0 holds the checkpoint (issue 11 item 1), across real hosts:
# 2 hosts, run.dir node-local ($HOSTS_LOCAL: the same path, a different folder on each host). Rank 0
# alone writes, so after K steps only host 0's disk holds checkpoints; `--resume auto` must continue
# every rank from rank 0's newest checkpoint, and the final checkpoint (again on host 0) must be
# bit-identical (`ckpt diff --tol 0`) to a straight run's. Host 1's folder must hold no checkpoint
# before or after. (tests/train/node-local-resume.sh checks the same on one host, and the error paths.)
source "$(dirname "$0")/lib.sh" "$@"
steps=100
hosts_start 2 "$WORK/cluster"
sets=(--set train.steps=$steps --set ckpt.every=2 --set dist.timeout_s=20)
last=$(printf 'checkpoints/step-%08d.h5' "$steps")

launch_on_hosts 2 train --config "$TINY" --set run.dir="$HOSTS_SHARED/straight" "${sets[@]}" >"$WORK/straight.log" 2>&1 \
  || { cat "$WORK/straight.log"; fail "the straight run failed"; }
# The first part: stopped after its step-4 checkpoint (a smaller train.steps would change the cosine
# schedule, so the run is stopped by SIGUSR1 to mpirun instead: a checkpoint, then exit 4).
launch_on_hosts 2 train --config "$TINY" --set run.dir="$HOSTS_LOCAL/run" "${sets[@]}" >"$WORK/first.log" 2>&1 &
job=$!
wait_for_file "$(hosts_dir 0)/run/checkpoints/step-00000004.h5" 120 || { cat "$WORK/first.log"; fail "no step-4 checkpoint on host 0"; }
kill -USR1 "$(pid_on 0 mpirun)" || fail "no mpirun on host 0 to stop"
wait_job "$job" 60 || fail "the first part did not stop within 60 s"
[ "$job_rc" -eq 4 ] || { cat "$WORK/first.log"; fail "the first part exited $job_rc, want 4 (stopped with a checkpoint)"; }
newest=$(newest_step "$(hosts_dir 0)/run")
[ "$newest" -lt "$steps" ] || fail "the first part ran to the end"
[ ! -e "$(hosts_dir 1)/run/checkpoints/step-00000002.h5" ] || fail "host 1 holds a checkpoint: rank 0 alone writes"

launch_on_hosts 2 train --config "$TINY" --set run.dir="$HOSTS_LOCAL/run" "${sets[@]}" --resume auto >"$WORK/resume.log" 2>&1 \
  || { cat "$WORK/resume.log"; fail "the resumed run failed"; }
grep -q "resumed from .*step-$(printf %08d "$newest").h5" "$WORK/resume.log" || { cat "$WORK/resume.log"; fail "no resume from step $newest"; }
"$BIN" ckpt diff --tol 0 "$HOSTS_SHARED/straight/$last" "$(hosts_dir 0)/run/$last" >"$WORK/diff.txt" \
  || { cat "$WORK/diff.txt"; fail "resumed from host 0's disk alone, the run differs from a straight run"; }
echo "node-local resume: host 0 alone held step $newest; resumed to $steps, bit-identical to a straight run"
