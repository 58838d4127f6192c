# shellcheck shell=bash
# A private one-node Slurm cluster in a folder, for tests and for trying the slurm/ templates by
# hand. Needs root (SlurmUser=root), slurm-wlm and munge; no systemd, no cgroups, nothing under
# /etc or /var: its own munge key, munged socket, state, spool, logs and ports.
#
#   source tests/slurm/minicluster.sh
#   mc_start /tmp/mycluster          # folder must not exist or be empty; prints the node name
#   mc sbatch --wait --wrap hostname # any Slurm client command, pointed at this cluster
#   mc_stop                          # cancels jobs, stops every daemon mc_start started
#
# Functions return non-zero with a message on stderr (and mc_start prints the daemon logs) when
# something does not come up within its bounded wait. Settings (environment):
#   MC_PORT       first slurmctld port to try (default 16817; slurmd uses port+1); if taken, the
#                 next pairs (+10, +20, ... +90) are tried
#   MC_CPUS       CPUs the node offers (default: nproc, at least 2, so two-rank jobs fit anywhere)
#   MC_WAIT_S     bound for each wait (default 60)

MC_DIR=""
MC_NODE=""
MC_PIDS=()
MC_TAG=""
MC_GUARD_PID=""

mc_log() { echo "minicluster: $*" >&2; }

# mc_port_busy PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
mc_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# mc_wait_for SECONDS DESCRIPTION PID COMMAND...: polls COMMAND every 0.5 s until it succeeds;
# gives up at once when the daemon PID has exited.
mc_wait_for() {
  local limit=$1 what=$2 pid=$3 tries
  shift 3
  tries=$(( limit * 2 ))
  while [ "$tries" -gt 0 ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      mc_log "the daemon (pid $pid) exited while waiting for $what"
      return 1
    fi
    sleep 0.5
    tries=$(( tries - 1 ))
  done
  mc_log "timed out after ${limit}s waiting for $what"
  return 1
}

# mc CMD ARGS...: runs a Slurm client command against this cluster. The environment it passes on
# (sbatch exports it to jobs) carries SLURM_CONF and a tag that mc_stop uses to find stragglers.
mc() {
  env SLURM_CONF="$MC_DIR/slurm.conf" SYNTHVIEW_MINICLUSTER="$MC_TAG" "$@"
}

mc_require() {
  local missing=() tool
  for tool in munged munge unmunge slurmctld slurmd sinfo sbatch srun squeue scontrol scancel; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    mc_log "missing ${missing[*]}: install slurm-wlm and munge (tools/setup-deps.sh does)"
    return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    mc_log "must run as root (slurmd starts jobs as their user; SlurmUser=root)"
    return 1
  fi
}

mc_dump_logs() {
  local f
  [ -n "$MC_DIR" ] || return 0
  for f in "$MC_DIR"/log/*.log; do
    [ -f "$f" ] || continue
    echo "----- $f (last 60 lines) -----" >&2
    tail -n 60 "$f" >&2
  done
}

# mc_common_settings DIR: the slurm.conf settings every test cluster shares (this one-node cluster and
# tests/multihost/slurm-2node.sh), with DIR holding plugstack.conf.
mc_common_settings() {
  local d=$1
  cat <<EOF
SlurmctldDebug=info
SlurmdDebug=info
# An empty SPANK stack: nothing from /etc/slurm/plugstack.conf(.d) loads.
PlugStackConfig=$d/plugstack.conf
# Containers: no cgroups, no systemd. linuxproc tracks job processes through /proc; task/none binds nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
# Jobs choose srun --mpi=pmix themselves (slurm/train.sbatch); plain steps need no PMI.
MpiDefault=none
SchedulerType=sched/builtin
# Allocate CPUs only (no memory accounting), so jobs need no --mem.
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# Take the node's CPUs and memory from this file even where they differ from the hardware (MC_CPUS
# may exceed nproc); otherwise slurmd would report the difference and the node could be drained.
SlurmdParameters=config_overrides
ReturnToService=2
# Short grace between SIGTERM and SIGKILL, so cancelled jobs and shutdown end quickly.
KillWait=5
# Never purge finished jobs: scontrol can read their state and exit code at any time, and sbatch
# --wait keeps polling every 2 s (it backs off up to 32 s while its sleep is under MinJobAge/2).
MinJobAge=0
InactiveLimit=0
MailProg=/bin/true
EOF
}

mc_write_conf() {
  local port=$1 cpus=$2 d=$MC_DIR
  : >"$d/plugstack.conf"
  cat >"$d/slurm.conf" <<EOF
# One-node test cluster written by tests/slurm/minicluster.sh (Slurm 22.05 keywords).
ClusterName=synthviewtest
# The controller and the node are this host, reached over loopback whatever the hostname resolves to.
SlurmctldHost=$MC_NODE(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$(( port + 1 ))
SlurmUser=root
SlurmdUser=root
# Our own munged: auth/munge and cred/munge both take the socket from AuthInfo.
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/munge.socket
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmdPidFile=$d/run/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
$(mc_common_settings "$d")
NodeName=$MC_NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1024 State=UNKNOWN
PartitionName=debug Nodes=$MC_NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

mc_ctld_up() {
  mc scontrol ping 2>/dev/null | grep -q 'is UP'
}

mc_node_idle() {
  local state
  state=$(mc sinfo -h -n "$MC_NODE" -o %T 2>/dev/null) || return 1
  [ "$state" = idle ]
}

# mc_start DIR: creates the cluster in DIR and waits until its node is idle.
mc_start() {
  local dir=$1 wait_s=${MC_WAIT_S:-60} port cpus i
  mc_require || return 1
  mkdir -p "$dir" || return 1
  MC_DIR=$(cd "$dir" && pwd)
  MC_TAG=$MC_DIR
  MC_PIDS=()
  # munged insists that every folder above its socket is searchable by all.
  chmod 755 "$MC_DIR"
  local up=$MC_DIR
  while [ "$up" != / ]; do
    up=$(dirname "$up")
    if [ "$(( $(stat -c %#a "$up") & 0111 ))" -ne $(( 0111 )) ]; then
      mc_log "munged needs every folder above its socket searchable by all: chmod a+x $up"
      return 1
    fi
  done
  mkdir -p "$MC_DIR"/{munge,state,spool,run,log}
  chmod 755 "$MC_DIR/munge"
  MC_NODE=$(hostname -s)

  port=${MC_PORT:-16817}
  for i in 0 1 2 3 4 5 6 7 8 9; do
    if ! mc_port_busy "$port" && ! mc_port_busy $(( port + 1 )); then break; fi
    [ "$i" -lt 9 ] || { mc_log "ports $port.. are all taken (set MC_PORT)"; return 1; }
    port=$(( port + 10 ))
  done
  cpus=${MC_CPUS:-$(nproc)}
  [ "$cpus" -ge 2 ] || cpus=2
  mc_write_conf "$port" "$cpus"

  # A guard outlives this shell: if the shell dies without mc_stop (killed by a test timeout, say),
  # it stops every process that carries this cluster's tag. Its output goes nowhere, so it never
  # holds the caller's pipes open.
  local owner=$$
  (
    trap - EXIT INT TERM
    while kill -0 "$owner" 2>/dev/null; do sleep 1; done
    for pid in $(mc_tagged_pids); do kill -KILL "$pid" 2>/dev/null; done
  ) </dev/null >/dev/null 2>&1 &
  MC_GUARD_PID=$!

  # A private key: independent of /etc/munge/munge.key, which may be missing or differ.
  if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile="$MC_DIR/munge/munge.key" || return 1
  else
    dd if=/dev/urandom of="$MC_DIR/munge/munge.key" bs=1024 count=1 status=none || return 1
  fi
  chmod 400 "$MC_DIR/munge/munge.key"
  env SYNTHVIEW_MINICLUSTER="$MC_TAG" munged --foreground \
    --socket="$MC_DIR/munge/munge.socket" --key-file="$MC_DIR/munge/munge.key" \
    --pid-file="$MC_DIR/run/munged.pid" --log-file="$MC_DIR/log/munged.log" \
    --seed-file="$MC_DIR/munge/munged.seed" >>"$MC_DIR/log/munged.stderr.log" 2>&1 &
  MC_PIDS+=($!)
  if ! mc_wait_for "$wait_s" "munged (credential round trip)" "$!" \
       bash -c "munge --socket='$MC_DIR/munge/munge.socket' -n | unmunge --socket='$MC_DIR/munge/munge.socket'"; then
    mc_dump_logs
    return 1
  fi

  # Foreground daemons in the background of this shell: their pids are known exactly.
  # env execs the daemon, so $! is the daemon's own pid.
  env SLURM_CONF="$MC_DIR/slurm.conf" SYNTHVIEW_MINICLUSTER="$MC_TAG" slurmctld -D -f "$MC_DIR/slurm.conf" >>"$MC_DIR/log/slurmctld.stderr.log" 2>&1 &
  MC_PIDS+=($!)
  if ! mc_wait_for "$wait_s" "slurmctld to answer on port $port" "$!" mc_ctld_up; then
    mc_dump_logs
    return 1
  fi
  env SLURM_CONF="$MC_DIR/slurm.conf" SYNTHVIEW_MINICLUSTER="$MC_TAG" slurmd -D -f "$MC_DIR/slurm.conf" -N "$MC_NODE" >>"$MC_DIR/log/slurmd.stderr.log" 2>&1 &
  MC_PIDS+=($!)
  if ! mc_wait_for "$wait_s" "node $MC_NODE to be idle in sinfo" "$!" mc_node_idle; then
    mc sinfo -N -l >&2 || true
    mc scontrol show node "$MC_NODE" >&2 || true
    mc_dump_logs
    return 1
  fi
  mc_log "cluster up in $MC_DIR: node $MC_NODE, $cpus CPUs, ports $port/$(( port + 1 ))"
}

# mc_tagged_pids: processes started by this cluster or its jobs (they carry the tag in their
# environment), except this shell.
mc_tagged_pids() {
  local p
  [ -n "$MC_TAG" ] || return 0
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" != "$$" ] && [ "$p" != "${BASHPID:-$$}" ] || continue
    if grep -qzxF "SYNTHVIEW_MINICLUSTER=$MC_TAG" "/proc/$p/environ" 2>/dev/null; then
      echo "$p"
    fi
  done
}

# mc_stop: cancels every job, stops the daemons mc_start started, then any process still tagged.
# Safe to call more than once and after a failed mc_start.
mc_stop() {
  local pid tries i
  [ -n "$MC_DIR" ] || return 0
  if [ ${#MC_PIDS[@]} -gt 1 ]; then
    mc timeout 10 scancel --quiet --user=root >/dev/null 2>&1 || true
    tries=40
    while [ "$tries" -gt 0 ] && [ -n "$(mc timeout 5 squeue -h 2>/dev/null)" ]; do
      sleep 0.5
      tries=$(( tries - 1 ))
    done
  fi
  if [ -n "$MC_GUARD_PID" ]; then
    kill -TERM "$MC_GUARD_PID" 2>/dev/null || true
    wait "$MC_GUARD_PID" 2>/dev/null || true
    MC_GUARD_PID=""
  fi
  # slurmd, slurmctld, munged: the reverse of the start order.
  for (( i = ${#MC_PIDS[@]} - 1; i >= 0; i-- )); do
    kill -TERM "${MC_PIDS[$i]}" 2>/dev/null || true
  done
  for pid in "${MC_PIDS[@]}"; do
    tries=20
    while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do sleep 0.5; tries=$(( tries - 1 )); done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for pid in $(mc_tagged_pids); do
    mc_log "stopping leftover process $pid ($( (tr '\0' ' ' <"/proc/$pid/cmdline") 2>/dev/null | cut -c1-80))"
    kill -KILL "$pid" 2>/dev/null || true
  done
  MC_PIDS=()
}
