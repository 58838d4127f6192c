#!/bin/sh
# train-generator --score-only with a missing or malformed generator file: exit 2, one line naming the path.
# usage: cli_bad_generator.sh SYNTHVIEW_BINARY SOURCE_DIR
bin=$1; src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "not an HDF5 file" > "$tmp/bad.h5"
for path in /nonexistent/g.h5 "$tmp/bad.h5"; do
  "$bin" train-generator --score-only --config "$src/configs/gan.yaml" --set generator.path="$path" 2> "$tmp/err"
  rc=$?
  [ "$rc" -eq 2 ] || { echo "FAIL: $path gave exit $rc, expected 2"; cat "$tmp/err"; exit 1; }
  grep -q "^synthview: error: .*$path" "$tmp/err" || { echo "FAIL: message does not name $path:"; cat "$tmp/err"; exit 1; }
done
echo "ok"
