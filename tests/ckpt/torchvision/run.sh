#!/usr/bin/env bash
# Exported checkpoint encoders must give torchvision's ResNet the C++ encoder's output.
# Usage: run.sh REFERENCE_BINARY tools/ckpt_to_torchvision.py   (exit 77 = skipped: no torch/torchvision)
set -u
reference=$1
script=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for config in "resnet18 small 1 28" "resnet50 imagenet 3 64"; do
  set -- $config
  "$reference" "$dir" "$@" || { echo "FAIL: $reference $config"; exit 1; }
  /usr/bin/python3 "$script" "$dir/encoder.h5" --reference "$dir/reference.h5"
  rc=$?
  [ "$rc" -eq 0 ] || exit "$rc"
done
