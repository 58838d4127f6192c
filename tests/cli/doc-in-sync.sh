#!/usr/bin/env bash
# Fails when docs/cli.md differs from what tools/gen-cli-doc.sh makes from the binary's help.
set -euo pipefail
bin=$1 source_dir=$2
expected=$(mktemp)
trap 'rm -f "$expected"' EXIT
"$source_dir/tools/gen-cli-doc.sh" "$bin" >"$expected"
if ! diff -u "$source_dir/docs/cli.md" "$expected"; then
  echo "docs/cli.md is stale: run tools/gen-cli-doc.sh $bin > docs/cli.md"
  exit 1
fi
