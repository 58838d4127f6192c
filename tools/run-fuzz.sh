#!/usr/bin/env bash
# Runs the libFuzzer harnesses (docs/reliability.md). Two modes:
#   tools/run-fuzz.sh BUILD_DIR SECONDS [harness...]        a campaign: each harness (default: all five) for
#       SECONDS; new inputs collect in BUILD_DIR/fuzz-corpus/<name> and the next campaign starts from them.
#   tools/run-fuzz.sh BUILD_DIR --fixed NAME=RUNS...         what CI runs: each harness from its committed corpus
#       with seed 1 for RUNS inputs, nothing kept, so a failure replays with the same command on any machine.
# A crash, leak, timeout (-timeout=20) or allocation over -rss_limit_mb is written to BUILD_DIR/fuzz-artifacts/
# and fails the run.
set -uo pipefail
build=$1
shift
source_dir=$(cd "$(dirname "$0")/.." && pwd)
export LSAN_OPTIONS="suppressions=$source_dir/tools/sanitize/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p "$build/fuzz-artifacts"

runs=()
if [ "${1:-}" = --fixed ]; then
  shift
  runs=("$@")
  [ ${#runs[@]} -gt 0 ] || { echo "run-fuzz.sh: --fixed needs NAME=RUNS arguments" >&2; exit 2; }
else
  seconds=${1:?usage: tools/run-fuzz.sh BUILD_DIR SECONDS [harness...] | BUILD_DIR --fixed NAME=RUNS...}
  shift
  names=("$@")
  [ ${#names[@]} -gt 0 ] || names=(config idx ckpt genweights probe)
  for name in "${names[@]}"; do runs+=("$name="); done
fi

failed=()
for entry in "${runs[@]}"; do
  name=${entry%%=*} count=${entry#*=}
  [ -x "$build/fuzz/fuzz_$name" ] || { echo "run-fuzz.sh: no harness $build/fuzz/fuzz_$name" >&2; exit 2; }
  if [ -n "$count" ]; then
    log="$build/fuzz-artifacts/$name-fixed.log"  # a campaign of the same harness may be running
    corpus=$(mktemp -d)  # libFuzzer writes new inputs into the first folder: not the committed seeds
    limit=(-runs="$count" -seed=1)
    what="$count inputs, seed 1"
  else
    log="$build/fuzz-artifacts/$name.log"
    corpus="$build/fuzz-corpus/$name"
    mkdir -p "$corpus"
    limit=(-max_total_time="$seconds")
    what="${seconds}s"
  fi
  # -rss_limit_mb also bounds any single allocation (malloc_limit_mb defaults to it): a reader that
  # allocates from an unchecked size fails here even when the machine has the memory.
  start=$SECONDS
  "$build/fuzz/fuzz_$name" "${limit[@]}" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$build/fuzz-artifacts/$name-" -print_final_stats=1 "$corpus" "$source_dir/fuzz/$name/corpus" \
    >"$log" 2>&1
  rc=$?
  executed=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -1)
  echo "fuzz $name ($what): exit $rc, ${executed:-?} executions in $((SECONDS - start))s, ${cov:-cov: ?}," \
       "corpus $(ls "$corpus" | wc -l) new files"
  [ -n "$count" ] && rm -rf "$corpus"
  [ "$rc" -eq 0 ] || { failed+=("$name"); tail -40 "$log"; }
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzzing found problems in: ${failed[*]} (inputs in $build/fuzz-artifacts/)"; exit 1; }
