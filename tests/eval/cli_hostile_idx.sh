#!/bin/sh
# `synthview eval` on forged Fashion-MNIST folders: exit 2, one line naming the file and what is wrong,
# before anything the header claims is allocated (docs/reliability.md).
# usage: cli_hostile_idx.sh SYNTHVIEW_BINARY SOURCE_DIR
bin=$1; src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# header DIMS SIZE...: an unsigned-byte IDX header (magic 0x000008DIMS, then big-endian 32-bit sizes).
u32() { printf "\\$(printf %03o $(($1 >> 24 & 255)))\\$(printf %03o $(($1 >> 16 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))\\$(printf %03o $(($1 & 255)))"; }
header() { printf '\000\000\010'; printf "\\$(printf %03o "$1")"; shift; for size in "$@"; do u32 "$size"; done; }
# check FOLDER TEXT: exit 2, one stderr line containing TEXT.
check() {
  "$bin" eval --random-init --config "$src/configs/demo.yaml" --probe knn --data-path "$1" 2> "$tmp/err" > /dev/null
  rc=$?
  [ "$rc" -eq 2 ] || { echo "FAIL: $1 gave exit $rc, expected 2"; cat "$tmp/err"; exit 1; }
  [ "$(wc -l < "$tmp/err")" -eq 1 ] || { echo "FAIL: $1: stderr is not one line:"; cat "$tmp/err"; exit 1; }
  grep -qF -- "$2" "$tmp/err" || { echo "FAIL: $1: message lacks '$2':"; cat "$tmp/err"; exit 1; }
}
# 2^31 images of 1x1 pixels claimed by a 28-byte file.
mkdir "$tmp/huge"
{ header 3 2147483648 1 1; printf 'twelve bytes'; } > "$tmp/huge/train-images-idx3-ubyte"
{ header 1 2; printf '\001\002'; } > "$tmp/huge/train-labels-idx1-ubyte"
check "$tmp/huge" "train-images-idx3-ubyte' is truncated: the data needs 2147483648 bytes, found 12"
# Three images, two labels (gzipped, as Debian ships them).
mkdir "$tmp/count"
{ header 3 3 1 1; printf 'abc'; } | gzip > "$tmp/count/train-images-idx3-ubyte.gz"
{ header 1 2; printf '\001\002'; } | gzip > "$tmp/count/train-labels-idx1-ubyte.gz"
check "$tmp/count" "holds 3 images but '$tmp/count/train-labels-idx1-ubyte.gz' holds 2 labels"
echo "ok"
