#!/usr/bin/env bash
# Runs each libFuzzer harness for SECONDS (docs/reliability.md). New inputs go to BUILD_DIR/fuzz-corpus/<name>
# (the seeds in fuzz/<name>/corpus stay as committed); a crash is written to BUILD_DIR/fuzz-artifacts/ and
# fails the run. Usage: tools/run-fuzz.sh BUILD_DIR SECONDS [harness...]   (default: all five)
set -uo pipefail
build=$1 seconds=$2
shift 2
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(config idx ckpt genweights probe)
source_dir=$(cd "$(dirname "$0")/.." && pwd)
export LSAN_OPTIONS="suppressions=$source_dir/tools/sanitize/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p "$build/fuzz-artifacts"
failed=()
for name in "${harnesses[@]}"; do
  corpus="$build/fuzz-corpus/$name"
  mkdir -p "$corpus"
  log="$build/fuzz-artifacts/$name.log"
  # -rss_limit_mb also bounds any single allocation (malloc_limit_mb defaults to it): a reader that
  # allocates from an unchecked size fails here even when the machine has the memory.
  "$build/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$build/fuzz-artifacts/$name-" -print_final_stats=1 "$corpus" "$source_dir/fuzz/$name/corpus" \
    >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "fuzz $name: exit $rc, ${runs:-?} executions in ${seconds}s, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) files"
  [ "$rc" -eq 0 ] || { failed+=("$name"); tail -40 "$log"; }
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzzing found problems in: ${failed[*]} (inputs in $build/fuzz-artifacts/)"; exit 1; }
