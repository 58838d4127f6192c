#!/bin/sh
# Rendering does not depend on OpenBLAS's thread count (what CPU binding changes, issue 15): the same
# anchors and views, bit for bit, under OPENBLAS_NUM_THREADS=1 and =2.
# usage: blas_threads.sh TEST_GEN_BINARY
bin=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for threads in 1 2; do
  SYNTHVIEW_TEST_RENDER_OUT="$tmp/render-$threads" OPENBLAS_NUM_THREADS=$threads \
    "$bin" --gtest_filter=ViewsRenderFile.* > "$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
  [ -s "$tmp/render-$threads" ] || { echo "FAIL: no render written"; cat "$tmp/log"; exit 1; }
done
cmp "$tmp/render-1" "$tmp/render-2" || { echo "FAIL: rendering differs with 1 and 2 OpenBLAS threads"; exit 1; }
echo "ok: $(wc -c < "$tmp/render-1") bytes identical"
