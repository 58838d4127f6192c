#!/usr/bin/env bash
# Runs synthview on NP ranks of this machine (a workstation, or one node you are logged in to)
# through Open MPI's mpirun. It only assembles the mpirun line; the binary does the rest.
#
# Usage: launch/local.sh -n NP|auto [--dry-run] [--] SYNTHVIEW_ARGS...
#   e.g. launch/local.sh -n 2 train --config configs/demo.yaml --set train.steps=100
#
# Rank -> GPU binding happens INSIDE the binary from its local rank (MPI_Comm_split_type, i.e.
# OMPI_COMM_WORLD_LOCAL_RANK under mpirun, SLURM_LOCALID under srun). This script therefore never
# sets CUDA_VISIBLE_DEVICES per rank: every rank must see every GPU of the node, or the binary's
# "local rank r uses device r" would point at devices a rank cannot see. Set CUDA_VISIBLE_DEVICES
# yourself, once for all ranks, to restrict the run to some GPUs.
#
# Environment:
#   SYNTHVIEW_BIN          the binary (default: build/synthview of this checkout)
#   SYNTHVIEW_MPIRUN       the mpirun to use (default: mpirun on PATH)
#   SYNTHVIEW_MPIRUN_ARGS  extra mpirun options, word-split (e.g. "--mca btl tcp,self", or
#                          "--hostfile FILE" for several hosts)
#   SYNTHVIEW_ABORT_GRACE_S  how long mpirun may outlive a rank's abort before this script stops
#                          it (default 10; see below)
# Exit status: synthview's own (0 ok, 2 bad input, 3 distributed failure, 1 other, 4 train stopped
# by a signal after its checkpoint: send SIGUSR1 to mpirun for that, it forwards it to every rank);
# 2 for bad arguments to this script.
#
# An aborted job always ends. A rank that aborts the job (watchdog timeout, lost peer: exit 3) notes
# its exit code in a file this script watches (SYNTHVIEW_ABORT_FILE, passed to every rank). Open
# MPI's mpirun then kills the job, but it waits for the daemon of every host to confirm, and waits
# forever for a host it cannot reach (a link down): when mpirun is still running
# SYNTHVIEW_ABORT_GRACE_S seconds after the first abort, this script kills it, says so on stderr,
# and exits with the rank's code (docs/distributed.md, "What a link failure does").
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(dirname "$script_dir")

usage() {
  cat <<'EOF'
usage: launch/local.sh -n NP|auto [--dry-run] [--] SYNTHVIEW_ARGS...
  -n NP       number of MPI ranks (a positive integer), or 'auto' = one per GPU (1 without GPUs)
  --dry-run   print the mpirun command instead of running it
  -h, --help  this message
example: launch/local.sh -n 2 train --config configs/demo.yaml --set train.steps=100
env: SYNTHVIEW_BIN (default build/synthview), SYNTHVIEW_MPIRUN, SYNTHVIEW_MPIRUN_ARGS
EOF
}

die_usage() {
  echo "launch/local.sh: error: $1" >&2
  usage >&2
  exit 2
}

ranks=""
dry_run=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--np)
      [ $# -ge 2 ] || die_usage "$1 needs a value"
      ranks=$2
      shift 2
      ;;
    -n*) ranks=${1#-n}; shift ;;
    --np=*) ranks=${1#--np=}; shift ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) die_usage "unknown option '$1' (synthview's own options go after the subcommand)" ;;
    *) break ;;
  esac
done

[ -n "$ranks" ] || die_usage "-n NP is required"
if [ "$ranks" = auto ]; then
  gpus=0
  if command -v nvidia-smi >/dev/null 2>&1; then
    gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)
  fi
  ranks=$(( gpus > 0 ? gpus : 1 ))
fi
[[ "$ranks" =~ ^[1-9][0-9]*$ ]] || die_usage "-n wants a positive integer or 'auto', got '$ranks'"
[ $# -gt 0 ] || die_usage "no synthview subcommand given (e.g. train --config configs/demo.yaml)"

bin=${SYNTHVIEW_BIN:-$repo_root/build/synthview}
if [ ! -x "$bin" ]; then
  echo "launch/local.sh: error: synthview binary '$bin' not found or not executable" \
       "(build it with 'make build', or set SYNTHVIEW_BIN)" >&2
  exit 2
fi
mpirun_bin=${SYNTHVIEW_MPIRUN:-mpirun}
if ! command -v "$mpirun_bin" >/dev/null 2>&1; then
  echo "launch/local.sh: error: '$mpirun_bin' not found (install openmpi-bin, or set SYNTHVIEW_MPIRUN)" >&2
  exit 2
fi

cmd=("$mpirun_bin" -np "$ranks")
if [ "$(id -u)" -eq 0 ]; then
  # Open MPI refuses to run as root unless told twice; the flag covers mpirun, the env its children.
  cmd+=(--allow-run-as-root)
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
cores=$(nproc)
if [ "$ranks" -gt "$cores" ]; then
  # More ranks than cores: mpirun would refuse ("not enough slots") without this.
  cmd+=(--oversubscribe)
fi
# No binding: each rank sets its own torch thread count (cores / local ranks); binding every rank to
# one core, mpirun's default for np <= 2, would squeeze those threads onto that core.
cmd+=(--bind-to none)
if [ -n "${SYNTHVIEW_MPIRUN_ARGS:-}" ]; then
  read -r -a extra <<<"$SYNTHVIEW_MPIRUN_ARGS"
  cmd+=("${extra[@]}")
fi
cmd+=("$bin" "$@")

if [ "$dry_run" -eq 1 ]; then
  printf '%q ' "${cmd[@]}"
  echo
  exit 0
fi

grace=${SYNTHVIEW_ABORT_GRACE_S:-10}
[[ "$grace" =~ ^[0-9]+$ ]] || die_usage "SYNTHVIEW_ABORT_GRACE_S wants whole seconds, got '$grace'"
abort_file=$(mktemp "${TMPDIR:-/tmp}/synthview-abort.XXXXXX")
stopped_file=$abort_file.stopped
watcher=""
cleanup() {
  if [ -n "$watcher" ]; then kill "$watcher" 2>/dev/null || true; fi
  rm -f "$abort_file" "$stopped_file"
}
trap cleanup EXIT
export SYNTHVIEW_ABORT_FILE=$abort_file
# -x: ranks on other hosts get the path too (it only works for them where /tmp is shared).
cmd=("${cmd[@]:0:1}" -x SYNTHVIEW_ABORT_FILE "${cmd[@]:1}")

# watch_abort: runs beside mpirun (which stays in the foreground, so that Ctrl-C and job control
# reach it as before); kills mpirun when it outlives a rank's abort by $grace seconds. SIGKILL, not
# SIGTERM: Open MPI 4.1's mpirun takes a signal during an abort as "forcibly terminate" and crashes
# in PMIx_Finalize (segmentation fault). Its ranks on this host are killed with it (normally they are
# gone already: the abort kills them, and those on hosts it can reach, before waiting for the others).
watch_abort() {
  local since="" pid children child self=$BASHPID
  trap - EXIT
  trap 'exit 0' TERM  # runs after the current `sleep 0.5`: no orphaned sleep
  while sleep 0.5; do
    [ -s "$abort_file" ] || continue
    since=${since:-$SECONDS}
    [ $(( SECONDS - since )) -ge "$grace" ] || continue
    # mpirun is this script's only other child.
    pid=$(pgrep -P $$ | grep -vx "$self" | head -n 1 || true)
    [ -n "$pid" ] || return 0
    echo "launch/local.sh: mpirun still running ${grace} s after a rank aborted the job" \
         "(a host it cannot reach?); killing it" >&2
    : >"$stopped_file"
    children=$(pgrep -P "$pid" || true)
    kill -KILL "$pid" 2>/dev/null || true
    for child in $children; do kill -KILL "$child" 2>/dev/null || true; done
    return 0
  done
}
watch_abort &
watcher=$!

rc=0
# mpirun's stderr goes where this script's goes (fd 3); the shell's own stderr is /dev/null only for
# its notice "PID Killed ..." when the watcher kills mpirun (the line below says what happened).
{ "${cmd[@]}" 2>&3 3>&-; } 3>&2 2>/dev/null || rc=$?
# Read the abort note before stopping the watcher: under load it can be killed before it drops the
# cleanup trap it inherited, and that trap removes the note.
abort_note=$(head -n 1 "$abort_file" 2>/dev/null || true)
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
watcher=""
# A rank aborted the job and mpirun was stopped, or ended by a signal: the rank's code (its error
# line is printed already).
if [ -n "$abort_note" ] && { [ -e "$stopped_file" ] || [ "$rc" -gt 128 ]; }; then
  code=$(cut -d ' ' -f 1 <<<"$abort_note")
  [[ "$code" =~ ^[0-9]+$ ]] && [ "$code" -gt 0 ] || code=3
  exit "$code"
fi
# mpirun ends the whole job when a rank dies from a signal (OOM killer, kill -9, node loss) and
# reports 128 + signal; report that as the distributed failure it is (exit 3, DESIGN.md).
if [ "$rc" -gt 128 ]; then
  echo "synthview: error: a rank died from signal $((rc - 128)) and mpirun ended the job (exit $rc);" \
       "continue it with --resume auto" >&2
  exit 3
fi
exit "$rc"
