#!/usr/bin/env bash
# Checkpoints outside the collective deadline: 2 ranks, dist.timeout_s=3. Rank 0's checkpoint fsync is
# made to take 8 s by a preloaded library (slow_fsync.c), as on a loaded network file system; the process
# stays alive, only its disk is slow. The other rank waits for rank 0's outcome, bounded by rank 0's
# heartbeat rather than dist.timeout_s, so the run finishes with both checkpoints intact (the writes run
# in the background; the step-6 save waits for the step-3 write, and train for the step-6 one). A rank 0
# that is frozen (SIGSTOP) while the others wait for its write sends no heartbeat: the job ends with
# exit 3 naming rank 0.
source "$(dirname "$0")/lib.sh" "$@"
library=${SLOW_FSYNC_LIBRARY:?the path of the train_slow_fsync library (CTest sets it)}
timeout=3
common=(--config "$TINY" --set dist.timeout_s=$timeout --set train.steps=6 --set ckpt.every=3)

# slow_train SECONDS RUN_DIR [ARGS...]: a 2-rank run whose checkpoint fsyncs take SECONDS each.
slow_train() {
  local seconds=$1 dir=$2
  shift 2
  "${MPIRUN[@]}" -x LD_PRELOAD="$library" -x SLOW_FSYNC_SECONDS="$seconds" -x SLOW_FSYNC_NOTE="$WORK/note.$seconds" \
    -np 2 "$BIN" train "${common[@]}" --set run.dir="$dir" "$@"
}

slow=8
start=$SECONDS
slow_train $slow "$WORK/slow" 2> "$WORK/slow.err" \
  || { cat "$WORK/slow.err"; fail "a slow checkpoint write failed the run"; }
elapsed=$((SECONDS - start))
writes=$(wc -l < "$WORK/note.$slow")
[ "$writes" -eq 2 ] || fail "expected 2 slowed checkpoint writes, the library saw $writes"
[ "$elapsed" -ge $((2 * slow)) ] || fail "the run took $elapsed s: the writes were not slowed"
for step in 3 6; do
  "$BIN" ckpt verify "$WORK/slow/checkpoints/step-0000000$step.h5" > /dev/null || fail "checkpoint $step is bad"
done
echo "two checkpoint writes of $slow s each under dist.timeout_s=$timeout: the run finished ($elapsed s)"

# Rank 0 frozen in the middle of its final (30 s) write, which train waits for before it returns: the
# other rank, waiting for that outcome, hears no heartbeat for dist.timeout_s. (Frozen in the middle of a
# step, rank 0 is instead caught by the collective watchdog; tests/dist/watchdog.)
slow_train 30 "$WORK/frozen" --set train.steps=3 > "$WORK/frozen.log" 2>&1 &
job=$!
for _ in $(seq 1200); do
  [ -s "$WORK/note.30" ] && break
  sleep 0.1
done
[ -s "$WORK/note.30" ] || { cat "$WORK/frozen.log"; fail "no checkpoint write began within 120 s"; }
writer=$(head -n 1 "$WORK/note.30")
kill -STOP "$writer"
start=$SECONDS
rc=0
wait "$job" || rc=$?
elapsed=$((SECONDS - start))
kill -CONT "$writer" 2> /dev/null || true
cat "$WORK/frozen.log"
[ "$rc" -eq 3 ] || fail "frozen rank 0: the job exited $rc, want 3"
grep -q "rank 0 (host .*) sent nothing for $timeout s (dist.timeout_s) while writing .*step-00000003.h5" \
  "$WORK/frozen.log" || fail "frozen rank 0: no line naming rank 0's silence"
[ "$elapsed" -le $((timeout + 15)) ] || fail "frozen rank 0: the job took $elapsed s to end"
echo "rank 0 frozen mid-write: exit 3 after $elapsed s, naming rank 0"
