#!/bin/sh
# train-generator resumes exactly: 6 steps straight == 4 steps, then --resume auto to 6 (tiny nets, seconds).
# usage: cli_resume.sh SYNTHVIEW_BINARY SOURCE_DIR [--set key=value ...]   (extra settings: e.g. the resnet recipe)
# With CUT_SECONDS=S in the environment the first part is cut by the wall-clock bound instead of gan.steps=4:
# gan.steps=6 with gan.max_seconds=S, S far below the time of one step (start-up included), so on any machine it
# stops after step 1, must say so, and leaves the state that --resume auto continues from.
bin=$1; src=$2; shift 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
run() { "$bin" train-generator --config "$src/configs/gan.yaml" --set generator.width=8 --set gan.d_width=8 \
          --set train.threads=1 --set run.log_every=2 --set run.dir="$tmp/run" "$@" > "$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }; }
run "$@" --set gan.steps=6 --set gan.out="$tmp/a/g.h5"
if [ -n "${CUT_SECONDS:-}" ]; then
  cut=1
  run "$@" --set gan.steps=6 --set gan.max_seconds="$CUT_SECONDS" --set gan.out="$tmp/b/g.h5"
  grep -q "stopped early at step 1 of 6: gan.max_seconds=$CUT_SECONDS reached" "$tmp/log" &&
    grep -q "checkpoint step 1: $tmp/b/g.h5" "$tmp/log" || { echo "FAIL: did not stop early at step 1"; cat "$tmp/log"; exit 1; }
else
  cut=4
  run "$@" --set gan.steps=4 --set gan.out="$tmp/b/g.h5"
fi
run "$@" --set gan.steps=6 --set gan.out="$tmp/b/g.h5" --resume auto
grep -q "resumed from $tmp/b/g.h5.state.h5 at step $cut" "$tmp/log" || { echo "FAIL: did not resume"; cat "$tmp/log"; exit 1; }
h5diff "$tmp/a/g.h5" "$tmp/b/g.h5" || { echo "FAIL: resumed generator differs from the straight run"; exit 1; }
for group in /generator /discriminator /optim_g /optim_d; do
  h5diff "$tmp/a/g.h5.state.h5" "$tmp/b/g.h5.state.h5" $group $group || { echo "FAIL: $group differs"; exit 1; }
done
if h5ls "$tmp/a/g.h5.state.h5/generator_ema" > /dev/null 2>&1; then
  h5diff "$tmp/a/g.h5.state.h5" "$tmp/b/g.h5.state.h5" /generator_ema /generator_ema || { echo "FAIL: EMA differs"; exit 1; }
fi
echo "ok"
