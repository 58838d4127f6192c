# shellcheck shell=bash
# Hosts on one machine, for multi-host tests: N network namespaces ("hosts") joined by a bridge,
# each with its own address, host name and node-local folder, and mpirun across them over TCP.
# Needs root and iproute2; where the kernel (or a container) forbids network namespaces, tests
# report a skip with the reason (exit $HOSTS_SKIP, CTest's SKIP_RETURN_CODE).
#
#   source tests/multihost/hosts.sh
#   hosts_require || exit "$HOSTS_SKIP"     # prints "SKIP: <reason>" when namespaces are forbidden
#   hosts_start 3 "$WORK/cluster"           # hosts 0..2; removed again by hosts_stop (EXIT trap)
#   hosts_exec 1 CMD ARGS...                # runs CMD on host 1
#   hosts_mpirun -np 3 synthview train ...  # mpirun on host 0, one slot per host (hostfile)
#   hosts_link_down 1; hosts_link_up 1      # unplug / replug host 1's cable at the switch
#
# Layout: host i is namespace `<tag>h<i>` (tag = sv<pid of the test shell>) with interface `svnet`,
# address 10.250.0.<i+1>/24, and host name `<tag>h<i>` (a UTS namespace per command). The switch is
# namespace `<tag>sw`, a bridge `br0` with port `p<i>` for host i (the other end of host i's veth).
# Nothing is added to the machine's own network namespace, so nothing the test does is routed
# anywhere else; deleting the namespaces deletes every link.
# Folders under the cluster folder D (exported as SV_HOSTS_DIR):
#   D/shared            HOSTS_SHARED: the same folder on every host (a shared file system)
#   D/local             HOSTS_LOCAL: on host i this path shows D/<name of host i> (a node-local disk;
#                       bind-mounted by netns-agent.sh in the host's private mount namespace)
#   D/<host name>       host i's node-local files, as seen from outside (hosts_dir i)
#   D/hosts, D/hostfile the host names; the mpirun hostfile
#   D/etc-hosts         /etc/hosts on every host: the host names and their addresses
# Open MPI starts its daemons on the other hosts through netns-agent.sh (plm_rsh_agent), uses TCP
# only (btl tcp,self) and only the svnet interfaces (btl_tcp_if_include, oob_tcp_if_include).

HOSTS_SKIP=77
HOSTS_AGENT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/netns-agent.sh
HOSTS_TAG=""
HOSTS_NAMES=()
HOSTS_SWITCH=""
HOSTS_DIR=""
HOSTS_SHARED=""
HOSTS_LOCAL=""
HOSTS_GUARD_PID=""
HOSTS_IF=svnet
HOSTS_NET=10.250.0

hosts_log() { echo "hosts: $*" >&2; }

# hosts_require: true when this process can build namespace hosts; otherwise prints "SKIP: reason"
# (on stdout, where CTest's output shows it) and returns 1. Missing tools are a failure (exit 1),
# not a skip: tools/setup-deps.sh installs them.
hosts_require() {
  local tool probe err
  for tool in ip nsenter unshare mpirun; do
    command -v "$tool" >/dev/null 2>&1 || { hosts_log "missing '$tool' (tools/setup-deps.sh installs it)"; exit 1; }
  done
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: network namespaces need root (running as uid $(id -u))"
    return 1
  fi
  probe=svprobe$$
  if ! err=$(ip netns add "$probe" 2>&1); then
    echo "SKIP: the kernel refuses network namespaces here: ip netns add: $err"
    return 1
  fi
  if ! err=$(ip -n "$probe" link add svprobe0 type veth peer name svprobe1 2>&1 &&
             ip -n "$probe" link add svprobebr type bridge 2>&1 &&
             nsenter --net="/run/netns/$probe" unshare --mount --uts -- true 2>&1); then
    ip netns del "$probe" 2>/dev/null || true
    echo "SKIP: namespace hosts cannot be built here (veth, bridge, mount or UTS namespace refused): $err"
    return 1
  fi
  ip netns del "$probe"
}

# hosts_remove_namespaces TAG: kills every process inside namespaces TAGh<i> and TAGsw and deletes
# them (and with them their links). Used by hosts_stop and by the guard.
hosts_remove_namespaces() {
  local tag=$1 ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${tag}(h[0-9]|sw)$" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${tag}(h[0-9]|sw)$" || true); do
    ip netns del "$ns" 2>/dev/null || hosts_log "could not delete namespace $ns"
  done
  # Open MPI's session folders of killed daemons (/tmp/ompi.<host name>.<uid>).
  rm -rf "${TMPDIR:-/tmp}/ompi.${tag}h"[0-9].*
}

# hosts_start N DIR: builds N hosts (1..9) and the switch; DIR is created (must be new or empty).
hosts_start() {
  local n=$1 i name owner tag
  [ "$n" -ge 1 ] && [ "$n" -le 9 ] || { hosts_log "hosts_start: 1..9 hosts, not '$n'"; return 1; }
  mkdir -p "$2" || return 1
  HOSTS_DIR=$(cd "$2" && pwd)
  HOSTS_TAG=sv$$
  HOSTS_SWITCH=${HOSTS_TAG}sw
  HOSTS_SHARED=$HOSTS_DIR/shared
  HOSTS_LOCAL=$HOSTS_DIR/local
  HOSTS_NAMES=()
  export SV_HOSTS_DIR=$HOSTS_DIR
  mkdir -p "$HOSTS_SHARED" "$HOSTS_LOCAL"
  : >"$HOSTS_DIR/hosts"
  : >"$HOSTS_DIR/hostfile"
  printf '127.0.0.1 localhost\n::1 localhost\n' >"$HOSTS_DIR/etc-hosts"
  # Namespaces left behind by a test shell that was killed outright (its pid is gone).
  for tag in $(ip netns list 2>/dev/null | awk '{print $1}' | sed -n 's/^sv\([0-9][0-9]*\)\(h[0-9]\|sw\)$/\1/p' | sort -u); do
    kill -0 "$tag" 2>/dev/null || hosts_remove_namespaces "sv$tag"
  done
  # A guard outlives this shell: if the shell is killed without running hosts_stop (a CTest
  # timeout kills the test's process tree), it removes the namespaces. setsid -f detaches it from
  # the tree, so it is not killed along with it.
  owner=$$
  setsid -f bash -c "while kill -0 $owner 2>/dev/null; do sleep 1; done
    $(declare -f hosts_remove_namespaces hosts_log); hosts_remove_namespaces $HOSTS_TAG" \
    </dev/null >/dev/null 2>&1
  HOSTS_GUARD_PID=$(pgrep -n -f "while kill -0 $owner 2>/dev/null" || true)

  ip netns add "$HOSTS_SWITCH" || return 1
  ip -n "$HOSTS_SWITCH" link set lo up
  ip -n "$HOSTS_SWITCH" link add br0 type bridge || return 1
  ip -n "$HOSTS_SWITCH" link set br0 up
  for (( i = 0; i < n; i++ )); do
    name=${HOSTS_TAG}h$i
    ip netns add "$name" || return 1
    HOSTS_NAMES+=("$name")
    echo "$name" >>"$HOSTS_DIR/hosts"
    echo "$name slots=1" >>"$HOSTS_DIR/hostfile"
    echo "$HOSTS_NET.$(( i + 1 )) $name" >>"$HOSTS_DIR/etc-hosts"
    mkdir -p "$HOSTS_DIR/$name"
    ip -n "$name" link set lo up
    ip -n "$name" link add "$HOSTS_IF" type veth peer name "p$i" netns "$HOSTS_SWITCH" || return 1
    ip -n "$HOSTS_SWITCH" link set "p$i" master br0 up
    ip -n "$name" addr add "$HOSTS_NET.$(( i + 1 ))/24" dev "$HOSTS_IF"
    ip -n "$name" link set "$HOSTS_IF" up
  done
  for (( i = 1; i < n; i++ )); do
    hosts_wait_reachable 0 "$i" 10 || return 1
  done
  hosts_log "$n hosts up: ${HOSTS_NAMES[*]} on $HOSTS_NET.0/24 (switch $HOSTS_SWITCH), folder $HOSTS_DIR"
}

hosts_name() { echo "${HOSTS_NAMES[$1]}"; }
hosts_addr() { echo "$HOSTS_NET.$(( $1 + 1 ))"; }
# hosts_dir I: host I's node-local folder as seen from outside (HOSTS_LOCAL on host I).
hosts_dir() { echo "$HOSTS_DIR/${HOSTS_NAMES[$1]}"; }

# hosts_exec I CMD ARGS...: runs CMD on host I (its namespaces, its host name, its node-local folder).
# The command is exec'ed all the way down, so `hosts_exec 0 mpirun ... &` leaves mpirun's pid in $!.
hosts_exec() {
  local i=$1
  shift
  "$HOSTS_AGENT" --exec "${HOSTS_NAMES[$i]}" "$@"
}

# hosts_reachable FROM TO: a TCP connection attempt from host FROM to a closed port of host TO
# gets its refusal back (the path works) within 2 s.
hosts_reachable() {
  local out
  out=$(hosts_exec "$1" timeout 2 bash -c "exec 3<>/dev/tcp/$(hosts_addr "$2")/9" 2>&1) && return 0
  grep -q 'Connection refused' <<<"$out"
}

# hosts_wait_reachable FROM TO SECONDS
hosts_wait_reachable() {
  local deadline=$(( SECONDS + $3 ))
  until hosts_reachable "$1" "$2"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      hosts_log "host $2 ($(hosts_addr "$2")) not reachable from host $1 within $3 s"
      return 1
    fi
    sleep 0.2
  done
}

# The mpirun options that make Open MPI use the namespace hosts: the hostfile (one slot per host),
# the agent, and TCP on the svnet interfaces only. For `launch/local.sh` (SYNTHVIEW_MPIRUN_ARGS)
# or a hand-made mpirun line.
hosts_mpirun_args() {
  echo "--hostfile $HOSTS_DIR/hostfile --mca plm_rsh_agent $HOSTS_AGENT --mca plm_rsh_no_tree_spawn 1" \
       "--mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include $HOSTS_IF --mca oob_tcp_if_include $HOSTS_IF"
}

# hosts_mpirun MPIRUN_ARGS...: mpirun on host 0 across the hosts (one rank per host with -np N).
hosts_mpirun() {
  local extra
  read -r -a extra <<<"$(hosts_mpirun_args)"
  hosts_exec 0 mpirun --allow-run-as-root --oversubscribe --bind-to none "${extra[@]}" "$@"
}

# hosts_link_down I / hosts_link_up I: take host I's switch port down (its cable unplugged: no
# packet in or out, no reset, no FIN for anyone) or back up.
hosts_link_down() { ip -n "$HOSTS_SWITCH" link set "p$1" down; }
hosts_link_up() { ip -n "$HOSTS_SWITCH" link set "p$1" up; }

# hosts_pids I: pids of the processes running on host I.
hosts_pids() { ip netns pids "${HOSTS_NAMES[$1]}" 2>/dev/null || true; }

# hosts_stop: kills every process on the hosts and deletes the namespaces (links go with them).
# Safe to call more than once; call it from the test's EXIT trap.
hosts_stop() {
  [ -n "$HOSTS_TAG" ] || return 0
  hosts_remove_namespaces "$HOSTS_TAG"
  if [ -n "$HOSTS_GUARD_PID" ]; then kill "$HOSTS_GUARD_PID" 2>/dev/null || true; fi
  HOSTS_GUARD_PID=""
  HOSTS_TAG=""
  HOSTS_NAMES=()
}
