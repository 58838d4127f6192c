#!/usr/bin/env bash
# Link failure (DESIGN.md invariant 6 across hosts). A 2-rank run on 2 hosts (rank r on host r, run.dir
# on a folder both hosts share, dist.timeout_s=10, through launch/local.sh) loses host 1's link once
# its first checkpoint is written. Then:
#   - the whole job ends, launcher included, within dist.timeout_s + 30 s, with exit code 3 and one
#     `synthview: error:` line, which names rank 1 (as the rank that did not arrive, or, when the cut
#     came inside a collective rank 1 had reached, as the rank that stopped answering);
#   - rank 1, on the cut host, has ended by itself as well;
#   - every checkpoint on disk verifies;
#   - with the link back, what is left on host 1 (Open MPI's daemon) ends, and `--resume auto`
#     finishes the run with a final checkpoint bit-identical to a straight run's (`ckpt diff --tol 0`).
source "$(dirname "$0")/lib.sh" "$@"
timeout_s=10
steps=60
hosts_start 2 "$WORK/cluster"
run=$HOSTS_SHARED/run
sets=(--set train.steps=$steps --set ckpt.every=2 --set dist.timeout_s=$timeout_s)

launch_on_hosts 2 train --config "$TINY" --set run.dir="$run" "${sets[@]}" >"$WORK/cut.log" 2>&1 &
job=$!
wait_for_file "$run/checkpoints/step-00000002.h5" 120 || { cat "$WORK/cut.log"; fail "no first checkpoint within 120 s"; }
hosts_link_down 1
echo "host 1's link is down"
# Rank 1 was cut before it reached rank 0's collective, or (then the watchdog pings) inside it.
expect_exit3 "$job" "$WORK/cut.log" $(( timeout_s + 30 )) "the link went down" \
  'rank\(s\) 1 (did not arrive|stopped answering)' "rank 1"
echo "the job ended ${job_s} s after the link went down, exit code $job_rc"
if pid=$(rank_pid 1); then fail "rank 1 (pid $pid) still runs on the cut host: $(ps_on 1)"; fi
[ -z "$(hosts_pids 0)" ] || fail "processes left on host 0: $(ps_on 0)"

for checkpoint in "$run"/checkpoints/step-*.h5; do
  "$BIN" ckpt verify "$checkpoint" >/dev/null || fail "$checkpoint does not verify"
done
newest=$(newest_step "$run")
[ "$newest" -lt "$steps" ] || fail "the run had finished before the link went down"
echo "every checkpoint verifies; the newest is step $newest"

hosts_link_up 1
hosts_wait_reachable 0 1 10 || fail "host 1 unreachable after its link came back"
deadline=$(( SECONDS + 60 ))
while [ -n "$(hosts_pids 1)" ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "host 1 still runs $(ps_on 1) 60 s after its link came back"
  sleep 0.5
done
echo "host 1 is empty again $(( SECONDS + 60 - deadline )) s after its link came back"

launch_on_hosts 2 train --config "$TINY" --set run.dir="$run" "${sets[@]}" --resume auto >"$WORK/resume.log" 2>&1 \
  || { cat "$WORK/resume.log"; fail "the resumed run failed"; }
grep -qF "resumed from $run/checkpoints/step-$(printf %08d "$newest").h5" "$WORK/resume.log" \
  || { cat "$WORK/resume.log"; fail "the second run did not resume from step $newest"; }
launch_on_hosts 2 train --config "$TINY" --set run.dir="$HOSTS_SHARED/straight" "${sets[@]}" >"$WORK/straight.log" 2>&1 \
  || { cat "$WORK/straight.log"; fail "the straight run failed"; }
last=$(printf 'checkpoints/step-%08d.h5' "$steps")
"$BIN" ckpt diff --tol 0 "$HOSTS_SHARED/straight/$last" "$run/$last" >"$WORK/diff.txt" \
  || { cat "$WORK/diff.txt"; fail "the resumed run's final checkpoint differs from the straight run's"; }
tail -n 1 "$WORK/diff.txt"
echo "link failure: exit 3 in ${job_s} s; resumed from step $newest to $steps, bit-identical to a straight run"
