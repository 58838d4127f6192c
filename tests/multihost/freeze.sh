#!/usr/bin/env bash
# A frozen peer (usage: freeze.sh BIN SOURCE_DIR past|thaw). A 2-rank run on 2 hosts (rank r on host r,
# dist.timeout_s=10, through launch/local.sh) has rank 1 stopped with SIGSTOP once the first
# checkpoint is written.
#   past: rank 1 stays frozen: the job ends within dist.timeout_s + 30 s with exit code 3 and one
#         `synthview: error:` line; every checkpoint on disk verifies.
#   thaw: rank 1 gets SIGCONT 3 s later, before the deadline: the run finishes normally (exit 0, no
#         error line) and its final checkpoint verifies.
source "$(dirname "$0")/lib.sh" "$1" "$2"
mode=${3:?usage: freeze.sh BIN SOURCE_DIR past|thaw}
timeout_s=10
steps=60
hosts_start 2 "$WORK/cluster"
run=$HOSTS_SHARED/run

launch_on_hosts 2 train --config "$TINY" --set run.dir="$run" --set train.steps=$steps --set ckpt.every=2 \
  --set dist.timeout_s=$timeout_s >"$WORK/run.log" 2>&1 &
job=$!
wait_for_file "$run/checkpoints/step-00000002.h5" 120 || { cat "$WORK/run.log"; fail "no first checkpoint within 120 s"; }
victim=$(rank_pid 1) || fail "no rank on host 1"
kill -STOP "$victim"
echo "rank 1 (pid $victim on host 1) frozen"
case "$mode" in
  past)
    # (On failure the EXIT trap's hosts_stop SIGKILLs the frozen rank with everything on the hosts.)
    expect_exit3 "$job" "$WORK/run.log" $(( timeout_s + 30 )) "rank 1 froze past the deadline"
    for checkpoint in "$run"/checkpoints/step-*.h5; do
      "$BIN" ckpt verify "$checkpoint" >/dev/null || fail "$checkpoint does not verify"
    done
    [ "$(newest_step "$run")" -lt "$steps" ] || fail "the run had finished before rank 1 froze"
    echo "frozen past the deadline: exit 3 after ${job_s} s, every checkpoint verifies"
    ;;
  thaw)
    sleep 3
    [ ! -e "$(printf '%s/checkpoints/step-%08d.h5' "$run" "$steps")" ] || fail "the run finished while rank 1 was frozen"
    kill -CONT "$victim"
    echo "rank 1 thawed"
    wait_job "$job" 120 || { cat "$WORK/run.log"; fail "the thawed run did not finish within 120 s"; }
    cat "$WORK/run.log"
    [ "$job_rc" -eq 0 ] || fail "exit code $job_rc after a thaw before the deadline, want 0"
    ! grep -q '^synthview: error:' "$WORK/run.log" || fail "an error line although rank 1 was thawed in time"
    "$BIN" ckpt verify "$(printf '%s/checkpoints/step-%08d.h5' "$run" "$steps")" >/dev/null \
      || fail "the final checkpoint does not verify"
    echo "thawed before the deadline: the run finished normally"
    ;;
  *) fail "mode '$mode': want past or thaw" ;;
esac
