#!/bin/sh
# usage: run_watchdog.sh stall|exit|kill|setup PROBE MPIEXEC...
# stall, exit: the job must end with exit code 3 and the watchdog line naming the collective, step and rank 1.
# kill: the job must end (non-zero) within timeout + 10 s; mpirun itself ends it at once when a rank is killed.
# setup: exit code 3 and the setup deadline's line naming the stage.
mode=$1; probe=$2; shift 2
timeout_s=2
log=$(mktemp)
start=$(date +%s)
"$@" -np 2 "$probe" "$mode" "$timeout_s" >"$log" 2>&1
code=$?
elapsed=$(( $(date +%s) - start ))
cat "$log"
fail() { echo "FAIL ($mode): $*"; rm -f "$log"; exit 1; }
[ "$elapsed" -le $((timeout_s + 10)) ] || fail "job took ${elapsed}s, limit $((timeout_s + 10))s"
if [ "$mode" = kill ]; then
  [ "$code" -ne 0 ] || fail "exit code 0 after a rank was killed"
elif [ "$mode" = setup ]; then
  [ "$code" -eq 3 ] || fail "exit code $code, expected 3"
  grep -q "synthview: error: NCCL setup did not finish within 2 s (dist.timeout_s) on rank 0" "$log" ||
    fail "setup deadline message missing"
  grep -q "during the broadcast of NCCL's unique id from rank 1" "$log" || fail "stage not named"
else
  [ "$code" -eq 3 ] || fail "exit code $code, expected 3"
  grep -q "synthview: error: collective all_reduce #7 at step 7 did not complete within 2 s" "$log" ||
    fail "watchdog message missing"
  grep -q "rank(s) 1 did not arrive" "$log" || fail "missing rank not named"
fi
rm -f "$log"
echo "PASS ($mode): exit code $code after ${elapsed}s"
