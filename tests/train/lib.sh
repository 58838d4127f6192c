# Helpers for the end-to-end training tests; sourced by each test script.
# Usage in a script: source lib.sh BIN SOURCE_DIR
set -euo pipefail
BIN=$1
SRC=$2
TINY=$SRC/tests/train/tiny.yaml
WORK=$(mktemp -d /tmp/synthview-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
MPIRUN=(mpirun --allow-run-as-root --oversubscribe --bind-to none)

fail() { echo "FAIL: $*"; exit 1; }

# train NP RUN_DIR [synthview train args...]: with $CONFIG (tiny.yaml unless set)
train() {
  local np=$1 dir=$2
  shift 2
  "${MPIRUN[@]}" -np "$np" "$BIN" train --config "${CONFIG:-$TINY}" --set run.dir="$dir" "$@"
}

# The value of field $2 in the last line of metrics file $1.
last_metric() { tail -n 1 "$1" | tr ',{}' '\n\n\n' | awk -F': ' -v k="\"$2\"" '$1 ~ k {print $2}' | tr -d ' '; }

# The mpirun and the rank pids of a job started in the background as `train ... &` (pid $1); by
# parentage, so that other synthview runs on the machine are never touched.
job_mpirun() {
  if [ "$(cat "/proc/$1/comm" 2>/dev/null)" = mpirun ]; then echo "$1"; else pgrep -P "$1" -x mpirun; fi
}
job_ranks() { pgrep -P "$(job_mpirun "$1")" -x synthview; }
