#!/usr/bin/env bash
# The comparison of docs/results.md, all three stages (tune on the validation split, run every row at
# every seed on the test split, report with error bars): tools/comparison.py does the work.
# Usage: tools/comparison.sh [BUILD_DIR] [OUT_DIR] [tools/comparison.py options, e.g. --seeds "0 1 2"]
set -euo pipefail
build_dir=${1:-build}
out=${2:-results/comparison}
shift 2 || shift $#
exec /usr/bin/python3 "$(dirname "$0")/comparison.py" all --build "$build_dir" --out "$out" "$@"
