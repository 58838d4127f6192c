#!/usr/bin/env bash
# A full disk during a checkpoint write (DESIGN.md invariant 5): run.dir on a 3 MB tmpfs holds one
# 2 MB checkpoint but not a second. ckpt.on_error=abort ends the run naming the checkpoint path;
# ckpt.on_error=continue warns and finishes. Either way the previous checkpoint still verifies and no
# temporary file is left. On 2 ranks, abort ends both at once with rank 0's message, well inside
# dist.timeout_s (the other rank is told, rather than left to its watchdog). Needs root (mount); CI runs
# as root.
source "$(dirname "$0")/lib.sh" "$@"
disk=$WORK/disk
mkdir -p "$disk"
mount -t tmpfs -o size=3m tmpfs "$disk" || fail "cannot mount a tmpfs at $disk (the test needs root)"
trap 'umount "$disk" 2>/dev/null; rm -rf "$WORK"' EXIT

for mode in abort continue; do
  dir=$disk/$mode
  set +e
  "$BIN" train --config "$TINY" --set run.dir="$dir" --set ckpt.on_error=$mode > "$WORK/out" 2> "$WORK/err"
  code=$?
  set -e
  cat "$WORK/err"
  if [ "$mode" = abort ]; then
    [ "$code" -eq 1 ] || fail "on_error=abort: exit $code, expected 1"
    grep -qF "step-00000006.h5" "$WORK/err" || fail "the error does not name the checkpoint being written"
  else
    [ "$code" -eq 0 ] || fail "on_error=continue: exit $code, expected 0"
    grep -q "warning: checkpoint at step 6 not written" "$WORK/err" || fail "no warning about the lost checkpoint"
  fi
  "$BIN" ckpt verify "$dir/checkpoints/step-00000003.h5" || fail "the previous checkpoint is damaged"
  [ -z "$(ls "$dir/checkpoints" | grep -v '^step-00000003.h5$')" ] || fail "left behind: $(ls "$dir/checkpoints")"
  rm -rf "$dir"
done

# 2 ranks, abort: rank 1 receives rank 0's error instead of waiting out dist.timeout_s=120.
dir=$disk/two-ranks
start=$SECONDS
set +e
train 2 "$dir" --set ckpt.on_error=abort --set dist.timeout_s=120 > "$WORK/out" 2> "$WORK/err"
code=$?
set -e
elapsed=$((SECONDS - start))
cat "$WORK/err"
[ "$code" -eq 1 ] || fail "2 ranks, on_error=abort: exit $code, expected 1"
grep -q "^synthview: error: .*step-00000006.h5" "$WORK/err" || fail "2 ranks: the error does not name the checkpoint"
[ "$elapsed" -lt 60 ] || fail "2 ranks: the job took $elapsed s to end after the failed write"
"$BIN" ckpt verify "$dir/checkpoints/step-00000003.h5" || fail "2 ranks: the previous checkpoint is damaged"
echo "a full disk loses no checkpoint; on 2 ranks abort ends the job in $elapsed s"
