#!/usr/bin/env bash
# A 2-node Slurm cluster on namespace hosts (usage: slurm-2node.sh BIN SOURCE_DIR): munged and
# slurmctld on host 0, one slurmd on each of hosts 0 and 1, every daemon reached over the hosts'
# own addresses. Then `sbatch --nodes=2 slurm/train.sbatch` (srun --mpi=pmix, one rank per node, TCP
# between the nodes, run.dir on the folder both hosts share):
#   - trains: one rank on each node, metrics and a checkpoint written;
#   - is requeued (`scontrol requeue`) after its first checkpoint and, started again, resumes from
#     its newest checkpoint (--resume auto) and finishes: state COMPLETED, exit 0, one restart,
#     final checkpoint bit-identical to the first job's (same settings, never requeued). The requeue sends SIGTERM: the ranks finish their step, write a checkpoint
#     and exit 4 (docs/slurm.md); that checkpoint is where the job resumes.
# Needs root, slurm-wlm and munge, like tests/slurm (missing tools fail, namespaces refused skip).
source "$(dirname "$0")/lib.sh" "$@"
# shellcheck source=tests/slurm/minicluster.sh
source "$(dirname "$0")/../slurm/minicluster.sh"  # mc_common_settings
BIN=$(realpath "$BIN")
SRC=$(realpath "$SRC")
TINY=$SRC/tests/train/tiny.yaml
for tool in munged munge unmunge slurmctld slurmd sbatch squeue scontrol; do
  command -v "$tool" >/dev/null 2>&1 || fail "missing $tool (tools/setup-deps.sh installs slurm-wlm and munge)"
done
chmod 755 "$WORK"  # munged wants every folder above its socket searchable by all
hosts_start 2 "$WORK/cluster"
h0=$(hosts_name 0)
h1=$(hosts_name 1)
sd=$HOSTS_SHARED/slurm
mkdir -p "$sd/munge" "$sd/state" "$sd/log" "$sd/out" "$sd/spool-$h0" "$sd/spool-$h1" "$sd/tmp-$h0" "$sd/tmp-$h1"
chmod 755 "$sd" "$sd/munge"

# Daemon logs, shown when the test fails.
dump_logs() {
  local f
  for f in "$sd"/log/*.log "$sd"/out/*; do
    [ -f "$f" ] || continue
    echo "----- $f (last 40 lines) -----"
    tail -n 40 "$f"
  done
}
trap 'status=$?; [ "$status" -eq 0 ] || dump_logs; hosts_stop; rm -rf "$WORK"; exit "$status"' EXIT

# sl CMD...: a Slurm client command on host 0, against this cluster.
sl() { hosts_exec 0 env SLURM_CONF="$sd/slurm.conf" "$@"; }
job_field() { sl scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
# wait_until SECONDS WHAT CMD...: polls CMD every 0.5 s.
wait_until() {
  local deadline=$(( SECONDS + $1 )) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out waiting for $what"
    sleep 0.5
  done
}

: >"$sd/plugstack.conf"
cat >"$sd/slurm.conf" <<EOF
# Two-node test cluster written by tests/multihost/slurm-2node.sh (Slurm 22.05 keywords); see
# tests/slurm/minicluster.sh for the one-node version and the reasons behind each setting.
ClusterName=synthviewmh
SlurmctldHost=$h0($(hosts_addr 0))
SlurmctldPort=6817
SlurmdPort=6818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sd/munge/munge.socket
StateSaveLocation=$sd/state
SlurmdSpoolDir=$sd/spool-%n
# Node-local scratch (%n: the node's name); PMIx makes its client folders there, which would
# collide between the nodes in the /tmp they share.
TmpFS=$sd/tmp-%n
SlurmctldPidFile=$sd/slurmctld.pid
SlurmdPidFile=$sd/slurmd-%n.pid
SlurmctldLogFile=$sd/log/slurmctld.log
SlurmdLogFile=$sd/log/slurmd-%n.log
$(mc_common_settings "$sd")
NodeName=$h0 NodeAddr=$(hosts_addr 0) CPUs=2 RealMemory=1024 State=UNKNOWN
NodeName=$h1 NodeAddr=$(hosts_addr 1) CPUs=2 RealMemory=1024 State=UNKNOWN
PartitionName=debug Nodes=$h0,$h1 Default=YES MaxTime=INFINITE State=UP
EOF

if command -v mungekey >/dev/null 2>&1; then
  mungekey --create --keyfile="$sd/munge/munge.key"
else
  dd if=/dev/urandom of="$sd/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 400 "$sd/munge/munge.key"
hosts_exec 0 munged --foreground --socket="$sd/munge/munge.socket" --key-file="$sd/munge/munge.key" \
  --pid-file="$sd/munged.pid" --log-file="$sd/log/munged.log" --seed-file="$sd/munge/munged.seed" \
  >>"$sd/log/munged.stderr.log" 2>&1 &
wait_until 60 "munged" bash -c "munge --socket='$sd/munge/munge.socket' -n | unmunge --socket='$sd/munge/munge.socket'"
sl slurmctld -D -f "$sd/slurm.conf" >>"$sd/log/slurmctld.stderr.log" 2>&1 &
ctld_up() { sl scontrol ping 2>/dev/null | grep -q 'is UP'; }
wait_until 60 "slurmctld" ctld_up
for host in 0 1; do
  hosts_exec "$host" env SLURM_CONF="$sd/slurm.conf" slurmd -D -f "$sd/slurm.conf" -N "$(hosts_name "$host")" \
    >>"$sd/log/slurmd-$host.stderr.log" 2>&1 &
done
nodes_idle() { [ "$(sl sinfo -h -N -o %T | sort -u | tr -d '\n')" = idle ]; }
deadline=$(( SECONDS + 60 ))
until nodes_idle; do
  [ "$SECONDS" -lt "$deadline" ] || { sl sinfo -N -l; fail "the two nodes are not idle after 60 s"; }
  sleep 0.5
done
echo "2-node Slurm cluster up: $h0 $h1"

# submit NAME SETTINGS...: train.sbatch on 2 nodes, one rank (task) each; prints the job id.
submit() {
  local name=$1
  shift
  sl env CONFIG="$TINY" SYNTHVIEW_BIN="$BIN" SYNTHVIEW_HOME="$SRC" \
    OMPI_MCA_pml=ob1 OMPI_MCA_btl=tcp,self OMPI_MCA_btl_tcp_if_include=svnet OMPI_MCA_oob_tcp_if_include=svnet \
    sbatch --parsable --job-name="sv-$name" --nodes=2 --ntasks-per-node=1 --cpus-per-task=1 --time=10 \
    --chdir="$HOSTS_SHARED" --output="$sd/out/$name.out" "$SRC/slurm/train.sbatch" "$@"
}
job_done() { case "$(job_field "$1" JobState)" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL) return 0 ;; esac; return 1; }

steps=40
sets=(train.steps=$steps ckpt.every=2 dist.timeout_s=30)
straight=$(submit straight "${sets[@]}" run.dir="$HOSTS_SHARED/straight")
wait_until 180 "job $straight (straight) to end" job_done "$straight"
[ "$(job_field "$straight" JobState)" = COMPLETED ] || fail "job $straight: $(job_field "$straight" JobState), exit $(job_field "$straight" ExitCode)"
[ "$(job_field "$straight" NumNodes)" = 2 ] || fail "job $straight ran on $(job_field "$straight" NodeList)"
last=$(printf 'checkpoints/step-%08d.h5' "$steps")
[ -f "$HOSTS_SHARED/straight/$last" ] || fail "job $straight wrote no $last"
"$BIN" ckpt info "$HOSTS_SHARED/straight/$last" | grep -Eq '^world_size +2$' || fail "the checkpoint is not from 2 ranks"
echo "job $straight trained on 2 nodes to step $steps"

run=$HOSTS_SHARED/requeued
requeued=$(submit requeued "${sets[@]}" run.dir="$run")
wait_for_file "$run/checkpoints/step-00000002.h5" 120 || fail "job $requeued wrote no first checkpoint in 120 s"
sl scontrol requeue "$requeued" || fail "scontrol requeue $requeued failed"
echo "job $requeued requeued after its first checkpoint"
# Slurm makes a requeued batch job wait about two minutes before it may start again (its begin
# time, EligibleTime in scontrol); start it as soon as it is pending.
pending() { [ "$(job_field "$requeued" JobState)" = PENDING ]; }
wait_until 60 "job $requeued to be pending again" pending
echo "pending again: eligible at $(job_field "$requeued" EligibleTime) (now $(date +%FT%T))"
sl scontrol update JobId="$requeued" StartTime=now || fail "cannot make job $requeued start now"
restarted_and_done() { [ "$(job_field "$requeued" Restarts)" -ge 1 ] && job_done "$requeued"; }
wait_until 240 "job $requeued to be restarted and end" restarted_and_done
[ "$(job_field "$requeued" JobState)" = COMPLETED ] || fail "job $requeued: $(job_field "$requeued" JobState), exit $(job_field "$requeued" ExitCode)"
[ "$(job_field "$requeued" ExitCode)" = 0:0 ] || fail "job $requeued exit $(job_field "$requeued" ExitCode)"
grep -q "resumed from $run/checkpoints/step-" "$sd/out/requeued.out" || fail "the restarted job did not resume"
grep "resumed from" "$sd/out/requeued.out"
"$BIN" ckpt diff --tol 0 "$HOSTS_SHARED/straight/$last" "$run/$last" >"$WORK/diff.txt" \
  || { cat "$WORK/diff.txt"; fail "the requeued job's final checkpoint differs from the straight job's"; }
echo "slurm 2 nodes: trained; requeued, resumed and finished bit-identical to the straight job"
