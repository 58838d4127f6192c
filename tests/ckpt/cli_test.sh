#!/usr/bin/env bash
# `synthview ckpt` exit codes and output, against checkpoints written by ckpt_fixture.
# Usage: cli_test.sh SYNTHVIEW_BINARY CKPT_FIXTURE_BINARY
set -u
synthview=$1
fixture=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$fixture" "$dir" || { echo "FAIL: ckpt_fixture did not run"; exit 1; }
failures=0

# expect CODE DESCRIPTION -- COMMAND...: runs COMMAND, checks its exit code, keeps its output in $out.
expect() {
  local want=$1 what=$2
  shift 3
  out=$("$@" 2>&1)
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want: $*"
    echo "$out" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}
contains() {
  if ! grep -qF -- "$1" <<<"$out"; then
    echo "FAIL: output lacks '$1'"
    echo "$out" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}

expect 0 "info" -- "$synthview" ckpt info "$dir/a.h5"
contains "samples_drawn     6400"
contains "step              100"
contains "last metrics      step 30  loss 4.2  lr 0.03  top1 0.35"
contains "seed: 7"
expect 0 "verify good" -- "$synthview" ckpt verify "$dir/a.h5"
contains "checksums verified"

head -c 3000 "$dir/a.h5" >"$dir/truncated.h5"
expect 2 "verify truncated" -- "$synthview" ckpt verify "$dir/truncated.h5"
contains "synthview: error:"
contains "truncated.h5"
echo "not hdf5" >"$dir/text.h5"
expect 2 "verify non-HDF5" -- "$synthview" ckpt verify "$dir/text.h5"
expect 2 "verify missing" -- "$synthview" ckpt verify "$dir/missing.h5"
contains "missing.h5"

# Hostile files (docs/reliability.md): a diverged run's NaN weights, and a dataset whose shape claims
# 4 TB the file does not hold (forged with h5py: chunks declared but never written).
for action in info verify; do
  expect 2 "$action NaN weights" -- "$synthview" ckpt $action "$dir/nan.h5"
  contains "/model/encoder/conv1.weight has 2 NaN/Inf value(s) of 36"
done
cp "$dir/a.h5" "$dir/forged.h5"
/usr/bin/python3 -c '
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    del f["model/encoder/conv1.weight"]
    f.create_dataset("model/encoder/conv1.weight", shape=(10**6, 10**6), dtype="f4", chunks=(1, 1))
' "$dir/forged.h5" || { echo "FAIL: h5py could not forge a checkpoint"; exit 1; }
expect 2 "verify forged shape" -- "$synthview" ckpt verify "$dir/forged.h5"
contains "claims shape [1000000, 1000000] (4e+12 bytes) but the file stores 0 bytes"

# Found by fuzz_ckpt: a global heap on which libhdf5 1.10 loops forever (timeout: a hang fails here, not at ctest's limit).
hang_input="$(dirname "$0")/../../fuzz/ckpt/corpus/regression-hdf5-global-heap-hang.h5"
for action in info verify; do
  expect 2 "$action looping global heap" -- timeout 60 "$synthview" ckpt $action "$hang_input"
  contains "has a corrupt HDF5 global heap"
done

expect 0 "diff identical" -- "$synthview" ckpt diff "$dir/a.h5" "$dir/same.h5"
contains "0 of 35 common tensors differ"
expect 1 "diff near, tol 0" -- "$synthview" ckpt diff "$dir/a.h5" "$dir/near.h5"
contains "DIFFERS"
expect 0 "diff near, tol 1e-3" -- "$synthview" ckpt diff "$dir/a.h5" "$dir/near.h5" --tol 1e-3
expect 2 "diff different tensor sets" -- "$synthview" ckpt diff "$dir/a.h5" "$dir/extra.h5"
contains "only in $dir/extra.h5: model/head/extra.weight"
expect 2 "diff bad tol" -- "$synthview" ckpt diff "$dir/a.h5" "$dir/same.h5" --tol -1

expect 0 "export" -- "$synthview" ckpt export "$dir/a.h5" --out "$dir/encoder.h5"
contains "resnet18 encoder, stem small, in_channels 1"
expect 2 "export is not a checkpoint" -- "$synthview" ckpt verify "$dir/encoder.h5"
expect 2 "export needs --out" -- "$synthview" ckpt export "$dir/a.h5"

expect 2 "no action" -- "$synthview" ckpt
expect 0 "help" -- "$synthview" ckpt --help
expect 0 "action help" -- "$synthview" ckpt diff --help
contains "--tol"
expect 2 "unknown action" -- "$synthview" ckpt frobnicate x

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all ckpt CLI checks passed"
