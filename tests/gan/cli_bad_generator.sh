#!/bin/sh
# train-generator --score-only with a missing, malformed or forged generator file: exit 2, one line naming
# the path and what is wrong (docs/reliability.md).
# usage: cli_bad_generator.sh SYNTHVIEW_BINARY SOURCE_DIR
bin=$1; src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "not an HDF5 file" > "$tmp/bad.h5"
# Forged from the shipped file with h5py: a tensor of the wrong shape; a width that would build a huge net.
/usr/bin/python3 - "$src/models/fmnist-generator.h5" "$tmp" <<'PY' || { echo "FAIL: h5py could not forge files"; exit 1; }
import shutil, sys, h5py
shipped, tmp = sys.argv[1], sys.argv[2]
for name in ("shape", "width"):
    shutil.copy(shipped, f"{tmp}/{name}.h5")
with h5py.File(f"{tmp}/shape.h5", "r+") as f:
    del f["generator/blocks.0.weight"]
    f["generator/blocks.0.weight"] = [[0.0] * 3] * 2
with h5py.File(f"{tmp}/width.h5", "r+") as f:
    f["generator"].attrs["width"] = 1 << 40
PY
# check PATH TEXT: exit 2 and one stderr line naming PATH and containing TEXT.
check() {
  "$bin" train-generator --score-only --config "$src/configs/gan.yaml" --set generator.path="$1" 2> "$tmp/err"
  rc=$?
  [ "$rc" -eq 2 ] || { echo "FAIL: $1 gave exit $rc, expected 2"; cat "$tmp/err"; exit 1; }
  [ "$(wc -l < "$tmp/err")" -eq 1 ] || { echo "FAIL: $1: stderr is not one line:"; cat "$tmp/err"; exit 1; }
  grep -q "^synthview: error: .*$1" "$tmp/err" || { echo "FAIL: message does not name $1:"; cat "$tmp/err"; exit 1; }
  grep -qF -- "$2" "$tmp/err" || { echo "FAIL: $1: message lacks '$2':"; cat "$tmp/err"; exit 1; }
}
check /nonexistent/g.h5 "/nonexistent/g.h5"
check "$tmp/bad.h5" "bad.h5"
check "$tmp/shape.h5" "blocks.0.weight has shape [2, 3], expected [256, 128, 4, 4]"
check "$tmp/width.h5" "attribute /generator@width = 1099511627776 is out of range"
echo "ok"
