#!/usr/bin/env bash
# Invariant 4: K steps + resume M steps == K+M steps straight, bit for bit (CPU, fixed threads),
# on 1 and on 2 ranks.
source "$(dirname "$0")/lib.sh" "$@"
for np in 1 2; do
  train "$np" "$WORK/straight$np" --set train.steps=6
  train "$np" "$WORK/resumed$np" --set train.steps=3
  train "$np" "$WORK/resumed$np" --set train.steps=6 --resume auto
  "$BIN" ckpt diff "$WORK/straight$np/checkpoints/step-00000006.h5" "$WORK/resumed$np/checkpoints/step-00000006.h5" \
    || fail "resumed run differs from the straight run on $np rank(s)"
done
echo "exact resume: bit-identical on 1 and 2 ranks"
