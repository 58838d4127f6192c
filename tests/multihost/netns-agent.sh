#!/bin/sh
# Open MPI's rsh agent for the namespace hosts of tests/multihost/hosts.sh (plm_rsh_agent), and the
# one way anything enters such a host.
#
#   netns-agent.sh HOST WORDS...          as mpirun calls `ssh HOST WORDS...`: the words are joined
#                                         into one shell command line (as ssh does) and run on HOST
#   netns-agent.sh --exec HOST CMD ARGS   runs CMD ARGS on HOST as they are (hosts_exec in hosts.sh)
#
# "On HOST" means: inside network namespace HOST (made by `ip netns add`), in a mount namespace and a
# UTS namespace of its own whose host name is HOST (so Open MPI, PMIx session
# folders and synthview's messages see distinct hosts), with HOST's own folder bind-mounted on the
# cluster's node-local path $SV_HOSTS_DIR/local (a node-local disk: the same path, different files
# on every host), and the cluster's hosts file on /etc/hosts (every host name resolves to its
# address; the machine's /etc/hosts is not touched). SV_HOSTS_DIR (exported by hosts_start) names the cluster folder; HOST must be one
# of the hosts listed in its file `hosts`. Exit 255 when HOST cannot be entered, as ssh does.
set -eu
exact=0
if [ "${1:-}" = --exec ]; then exact=1; shift; fi
[ $# -ge 2 ] || { echo "usage: netns-agent.sh [--exec] HOST COMMAND..." >&2; exit 255; }
host=$1
shift
dir=${SV_HOSTS_DIR:-}
if [ -z "$dir" ] || ! grep -qxF "$host" "$dir/hosts" 2>/dev/null; then
  echo "netns-agent.sh: '$host' is not a host of the cluster in '${dir:-(SV_HOSTS_DIR unset)}'" >&2
  exit 255
fi
if [ "$exact" -eq 0 ]; then
  # ssh semantics: one command line for the remote (login) shell, bash for root here.
  set -- /bin/bash -c "$*"
fi
# nsenter rather than `ip netns exec`: the latter remounts /sys for the namespace, which hides
# /sys/fs/cgroup (slurmd will not start without it); unshare --mount gives the private mount
# namespace for the bind mounts below (propagation private: nothing leaks to the machine).
exec nsenter --net="/run/netns/$host" unshare --mount --uts -- /bin/sh -c '
  host=$1 dir=$2
  shift 2
  hostname "$host"
  mount --bind "$dir/$host" "$dir/local"
  mount --bind "$dir/etc-hosts" /etc/hosts
  exec "$@"' netns-agent "$host" "$dir" "$@"
