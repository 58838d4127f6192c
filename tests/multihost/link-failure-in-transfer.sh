#!/usr/bin/env bash
# Link failure inside a collective that every rank has already arrived at (usage: BIN SOURCE_DIR
# PROBE, PROBE = tests/dist/watchdog's dist_watchdog_probe). Rank 1 enters a 4 MB all_reduce first;
# while rank 0 is still 3 s late for it, host 1's link goes down. Rank 0 then enters, its watchdog
# finds rank 1's arrival announced but the transfer stuck, pings rank 1, gets no answer, and names
# it: the job (launch/local.sh, mpirun included) ends within dist.timeout_s + 30 s with exit code 3
# and one error line "every rank arrived, then rank(s) 1 stopped answering". (link-failure.sh cuts
# a training run at a moment it does not choose; this is the case a missing-arrival check alone
# cannot name.)
source "$(dirname "$0")/lib.sh" "$1" "$2"
probe=${3:?usage: link-failure-in-transfer.sh BIN SOURCE_DIR PROBE}
timeout_s=4
hosts_start 2 "$WORK/cluster"
BIN=$probe launch_on_hosts 2 late "$timeout_s" 3 >"$WORK/job.log" 2>&1 &
job=$!
deadline=$(( SECONDS + 60 ))
until grep -q '^rank 0: late' "$WORK/job.log"; do
  [ "$SECONDS" -lt "$deadline" ] || { cat "$WORK/job.log"; fail "the probe did not reach its late collective in 60 s"; }
  sleep 0.1
done
sleep 1  # rank 1 is inside the all_reduce by now, its arrival announced
hosts_link_down 1
echo "host 1's link is down while rank 1 waits in the collective"
expect_exit3 "$job" "$WORK/job.log" $(( timeout_s + 30 )) "the link went down" \
  'every rank arrived, then rank\(s\) 1 stopped answering' "rank 1 as the rank that stopped answering"
echo "link lost mid-transfer: exit 3 after ${job_s} s, rank 1 named"
