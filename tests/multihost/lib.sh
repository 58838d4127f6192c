# Helpers for the multi-host tests; sourced by each test script as `source lib.sh BIN SOURCE_DIR`.
# Brings in tests/train/lib.sh (BIN, SRC, TINY, WORK, fail, train, ...) and hosts.sh, skips (exit 77)
# where namespace hosts cannot be built, and removes the hosts and WORK on any exit.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../train/lib.sh
source "$here/../train/lib.sh" "$@"
# shellcheck source=hosts.sh
source "$here/hosts.sh"
trap 'hosts_stop; rm -rf "$WORK"' EXIT
hosts_require || exit "$HOSTS_SKIP"

# launch_on_hosts NP SYNTHVIEW_ARGS...: launch/local.sh on host 0 with mpirun across the hosts
# (hostfile with one slot per host: rank r on host r). TMPDIR in WORK: the launcher's abort file and
# Open MPI's session folders go where the test removes them, even when hosts_stop SIGKILLs a job.
launch_on_hosts() {
  local np=$1
  shift
  mkdir -p "$WORK/tmp"
  hosts_exec 0 env TMPDIR="$WORK/tmp" SYNTHVIEW_BIN="$BIN" SYNTHVIEW_MPIRUN_ARGS="$(hosts_mpirun_args)" \
    "$SRC/launch/local.sh" -n "$np" "$@"
}

# pid_on HOST NAME: the pid of a process called NAME running on host HOST.
pid_on() {
  local pid
  for pid in $(hosts_pids "$1"); do
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]; then echo "$pid"; return 0; fi
  done
  return 1
}
# rank_pid HOST: the pid of the synthview rank running on host HOST.
rank_pid() { pid_on "$1" synthview; }

# wait_for_file PATH SECONDS
wait_for_file() {
  local deadline=$(( SECONDS + $2 ))
  until [ -e "$1" ]; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

# wait_job PID SECONDS: waits for background job PID at most SECONDS; sets job_rc (its exit code)
# and job_s (seconds waited); returns 1 if it is still running then.
wait_job() {
  local pid=$1 start=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    if [ $(( SECONDS - start )) -ge "$2" ]; then job_s=$(( SECONDS - start )); return 1; fi
    sleep 0.2
  done
  job_rc=0
  wait "$pid" || job_rc=$?
  job_s=$(( SECONDS - start ))
}

# expect_exit3 JOB LOG SECONDS EVENT [ERE WHO]: the failure every fault test expects after EVENT (e.g.
# "the link went down"): JOB ends within SECONDS with exit code 3 and exactly one 'synthview: error:'
# line in LOG (printed), matching the extended regex ERE when given (WHO: what it must name).
expect_exit3() {
  local job=$1 log=$2 limit=$3 event=$4 pattern=${5:-} who=${6:-}
  if ! wait_job "$job" "$limit"; then
    cat "$log"
    fail "the job still runs ${job_s} s after $event: host 0 has $(ps_on 0); host 1 has $(ps_on 1)"
  fi
  cat "$log"
  [ "$job_rc" -eq 3 ] || fail "exit code $job_rc after $event, want 3"
  local errors
  errors=$(grep -c '^synthview: error:' "$log" || true)
  [ "$errors" -eq 1 ] || fail "$errors 'synthview: error:' lines, want 1"
  if [ -n "$pattern" ]; then
    grep '^synthview: error:' "$log" | grep -Eq "$pattern" || fail "the error line does not name $who"
  fi
}

# ps_on HOST: what runs on HOST, for messages.
ps_on() { hosts_pids "$1" | xargs -r ps -o pid=,comm= -p 2>/dev/null | tr -s ' \n' ' '; }

# newest_step DIR: the step of the newest checkpoint in run folder DIR.
newest_step() {
  ls "$1"/checkpoints/step-*.h5 | tail -n 1 | sed -E 's/.*step-0*([0-9]+)\.h5/\1/'
}
