#!/usr/bin/env bash
# The README's main job on the built-in default config (configs/demo.yaml).
set -euo pipefail
build_dir=${1:-build}
"$build_dir/synthview" config --config configs/demo.yaml --table
