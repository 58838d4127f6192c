#!/usr/bin/env bash
# Node-local run directories (DESIGN.md invariant 8): each rank of a 2-rank job gets its own run.dir,
# as on hosts with local scratch disks (a `sh -c` wrapper appends the rank to run.dir). Rank 0 alone
# writes checkpoints and, on `--resume auto`, alone reads one: rank 1's folder stays empty, yet the
# resumed run ends bit-identical to a straight run. Before, rank 1 found no checkpoint in its folder
# and started fresh while rank 0 resumed at step 3; likewise a checkpoint in rank 1's folder alone is
# ignored, because rank 0 decides to start fresh. A checkpoint only rank 0 can read being corrupt or
# of another architecture ends both ranks with rank 0's message and exit 2.
source "$(dirname "$0")/lib.sh" "$@"

# train_node_local PREFIX [synthview train args...]: rank r uses run.dir=PREFIX<r>.
train_node_local() {
  local prefix=$1
  shift
  "${MPIRUN[@]}" -np 2 sh -c 'exec "$@" --set run.dir="'"$prefix"'$OMPI_COMM_WORLD_RANK"' sh \
    "$BIN" train --config "$TINY" "$@"
}

train 2 "$WORK/straight" --set train.steps=6
train_node_local "$WORK/host" --set train.steps=3
[ -f "$WORK/host0/checkpoints/step-00000003.h5" ] || fail "rank 0 wrote no checkpoint in its own run.dir"
[ ! -e "$WORK/host1" ] || fail "rank 1 wrote into its run.dir: $(ls -R "$WORK/host1")"

train_node_local "$WORK/host" --set train.steps=6 --resume auto 2> "$WORK/resume.err" \
  || { cat "$WORK/resume.err"; fail "the resume failed"; }
cat "$WORK/resume.err"
grep -q "resumed from $WORK/host0/checkpoints/step-00000003.h5 at step 3" "$WORK/resume.err" \
  || fail "rank 0 did not resume from its checkpoint at step 3"
[ ! -e "$WORK/host1" ] || fail "rank 1 touched its run.dir: $(ls -R "$WORK/host1")"
"$BIN" ckpt diff --tol 0 "$WORK/straight/checkpoints/step-00000006.h5" "$WORK/host0/checkpoints/step-00000006.h5" \
  > "$WORK/diff" || { cat "$WORK/diff"; fail "the resumed run with node-local run.dirs differs from the straight run"; }
tail -n 1 "$WORK/diff"

# The other way round: only rank 1's folder holds a checkpoint. Rank 0 finds none and starts fresh, and
# so does rank 1: the run is the straight run.
mkdir -p "$WORK/lag1/checkpoints"
cp "$WORK/straight/checkpoints/step-00000003.h5" "$WORK/lag1/checkpoints/"
train_node_local "$WORK/lag" --set train.steps=6 --resume auto 2> "$WORK/lag.err" \
  || { cat "$WORK/lag.err"; fail "the run with a checkpoint on rank 1 only failed"; }
grep -q "no checkpoint in $WORK/lag0; starting fresh" "$WORK/lag.err" || { cat "$WORK/lag.err"; fail "no fresh start"; }
[ "$(ls "$WORK/lag1/checkpoints")" = step-00000003.h5 ] || fail "rank 1 wrote into its run.dir"
"$BIN" ckpt diff "$WORK/straight/checkpoints/step-00000006.h5" "$WORK/lag0/checkpoints/step-00000006.h5" \
  > "$WORK/diff" || { cat "$WORK/diff"; fail "rank 1 did not start fresh with rank 0"; }

# Errors only rank 0 can see end both ranks with its message and exit 2, well inside dist.timeout_s.
# expect_exit2 TEXT [train args...]
expect_exit2() {
  local want=$1 code=0 start=$SECONDS
  shift
  train_node_local "$WORK/host" --set dist.timeout_s=120 "$@" > "$WORK/out" 2> "$WORK/err" || code=$?
  cat "$WORK/err"
  [ "$code" -eq 2 ] || fail "exit $code, expected 2: $*"
  grep -qF -- "$want" "$WORK/err" || fail "stderr lacks '$want'"
  [ $((SECONDS - start)) -lt 60 ] || fail "the job took $((SECONDS - start)) s to end: $*"
}
head -c 100000 "$WORK/host0/checkpoints/step-00000006.h5" > "$WORK/host0/truncated.h5"
expect_exit2 "$WORK/host0/truncated.h5" --set train.steps=9 --resume "$WORK/host0/truncated.h5"
expect_exit2 "layer1.0.conv1.weight: expected [16, 16, 3, 3], found [8, 8, 3, 3]" \
  --set train.steps=9 --set model.width=16 --resume auto
[ ! -e "$WORK/host1" ] || fail "rank 1 touched its run.dir: $(ls -R "$WORK/host1")"
echo "node-local run.dir: only rank 0 holds checkpoints; the resume is bit-identical to a straight run;" \
     "rank 0's read errors end both ranks with exit 2"
