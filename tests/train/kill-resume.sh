#!/usr/bin/env bash
# Fault survival (DESIGN.md invariants 5 and 6): SIGKILL one rank after the first checkpoint; the job
# ends with exit 3 within dist.timeout_s + 10 s; every checkpoint on disk verifies; --resume auto
# then completes the run and its final checkpoint verifies.
source "$(dirname "$0")/lib.sh" "$@"
export SYNTHVIEW_BIN=$BIN
launch=$SRC/launch/local.sh
dir=$WORK/run
timeout_s=10
"$launch" -n 2 train --config "$TINY" --set run.dir="$dir" --set train.steps=100000 --set ckpt.every=2 \
  --set dist.timeout_s=$timeout_s > "$WORK/first.log" 2>&1 &
job=$!
for _ in $(seq 600); do [ -e "$dir/checkpoints/step-00000002.h5" ] && break; sleep 0.1; done
[ -e "$dir/checkpoints/step-00000002.h5" ] || { cat "$WORK/first.log"; fail "no first checkpoint within 60 s"; }
victim=$(job_ranks "$job" | tail -n 1) || fail "no rank process found"
kill -9 "$victim"
start=$(date +%s)
rc=0
wait "$job" || rc=$?
elapsed=$(( $(date +%s) - start ))
cat "$WORK/first.log"
[ "$rc" -eq 3 ] || fail "killed job exited $rc, expected 3"
[ "$elapsed" -le $((timeout_s + 10)) ] || fail "job took ${elapsed}s to end after the kill"
for checkpoint in "$dir"/checkpoints/step-*.h5; do "$BIN" ckpt verify "$checkpoint" > /dev/null; done
newest=$(ls "$dir"/checkpoints/step-*.h5 | tail -n 1 | sed -E 's/.*step-0*([0-9]+)\.h5/\1/')
target=$((newest + 4))
"$launch" -n 2 train --config "$TINY" --set run.dir="$dir" --set train.steps=$target --set ckpt.every=2 \
  --resume auto 2>&1 | tee "$WORK/resume.log"
grep -q "resumed from" "$WORK/resume.log" || fail "the second run did not resume"
"$BIN" ckpt verify "$(printf '%s/checkpoints/step-%08d.h5' "$dir" "$target")"
echo "killed after step $newest: exit 3 in ${elapsed}s; resumed to step $target"
