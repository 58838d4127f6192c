#!/usr/bin/env bash
# Checkpoints that do not stall the step (docs/checkpoint-format.md, "Writing in the background"): the
# step-3 checkpoint's fsync is held shut by a gate (slow_fsync.c, SLOW_FSYNC_GATE) and the test opens it
# only after it has seen, while that write was held:
#  - steps 4 and 5 completing (the loop waited only for the copy of the state), and step 6 too, whose
#    own checkpoint waits for the first write (one write in flight): no step-6 file yet;
#  - the process still running after its last step (train does not return before its final checkpoint
#    is complete).
# Then: exit 0, both checkpoints verify, and the step-3 file holds the state of step 3 (bit-identical to
# a 3-step run's final checkpoint), not the parameters that steps 4-6 went on to change in place.
source "$(dirname "$0")/lib.sh" "$@"
library=${SLOW_FSYNC_LIBRARY:?the path of the train_slow_fsync library (CTest sets it)}
common=(--config "$TINY" --set ckpt.every=3)
gated=$WORK/gated

# wait_for CONDITION WHAT: poll (60 s at most) until the shell condition holds.
wait_for() {
  for _ in $(seq 600); do eval "$1" && return 0; sleep 0.1; done
  cat "$gated.log"
  fail "$2 within 60 s"
}
steps_done() { cat "$gated/metrics.jsonl" 2> /dev/null | wc -l; }

LD_PRELOAD="$library" SLOW_FSYNC_GATE="$WORK/gate" SLOW_FSYNC_NOTE="$WORK/note" \
  "$BIN" train "${common[@]}" --set train.steps=6 --set run.dir="$gated" > "$gated.log" 2>&1 &
job=$!
wait_for '[ -s "$WORK/note" ]' "the step-3 write did not reach its fsync"
wait_for '[ "$(steps_done)" -ge 6 ]' "steps 4-6 did not run while the step-3 write was held"
kill -0 "$job" 2> /dev/null || { cat "$gated.log"; fail "train returned before its checkpoints were written"; }
[ ! -e "$gated/checkpoints/step-00000003.h5" ] || fail "the step-3 write was not held by the gate"
[ ! -e "$gated/checkpoints/step-00000006.h5" ] || fail "the step-6 write began while the step-3 write was in flight"
touch "$WORK/gate"
rc=0
wait "$job" || rc=$?
cat "$gated.log"
[ "$rc" -eq 0 ] || fail "the gated run exited $rc"
for step in 3 6; do
  "$BIN" ckpt verify "$(printf '%s/checkpoints/step-%08d.h5' "$gated" $step)" > /dev/null || fail "step $step is bad"
done

"$BIN" train "${common[@]}" --set train.steps=3 --set run.dir="$WORK/three" > "$WORK/three.log" 2>&1 \
  || { cat "$WORK/three.log"; fail "the 3-step run failed"; }
"$BIN" ckpt diff "$WORK/three/checkpoints/step-00000003.h5" "$gated/checkpoints/step-00000003.h5" \
  || fail "the step-3 checkpoint written in the background does not hold the state of step 3"
echo "steps 4-6 ran while the step-3 write was held; train waited for both writes; step 3 holds step 3's state"
