#!/usr/bin/env bash
# A PNG of TensorBoard's page for a log folder, taken with headless Chromium (Debian's chromium package),
# e.g. the sweep screenshot of docs/tensorboard.md.
# Usage: tools/tensorboard-screenshot.sh LOGDIR OUT.png [VIEW]
#   VIEW: the part after '#' in TensorBoard's address (default: scalars&tagFilter=train/(loss|top1)).
# Env: TENSORBOARD (.deps/tensorboard/bin/tensorboard), PORT (16006), SIZE (1400,900).
set -euo pipefail
logdir=$1
out=$2
view=${3:-scalars&tagFilter=train%2F(loss%7Ctop1)}
tensorboard=${TENSORBOARD:-.deps/tensorboard/bin/tensorboard}
port=${PORT:-16006}
command -v chromium > /dev/null || { echo "tensorboard-screenshot: no chromium (apt-get install chromium)" >&2; exit 2; }
[ -x "$tensorboard" ] || { echo "tensorboard-screenshot: no $tensorboard (tools/setup-tensorboard.sh)" >&2; exit 2; }

"$tensorboard" --logdir "$logdir" --port "$port" > /dev/null 2>&1 &
server=$!
trap 'kill "$server" 2> /dev/null' EXIT
for _ in $(seq 60); do
  curl -sf "http://localhost:$port/data/runs" > /dev/null && break
  sleep 1
done
sleep 5  # the first load of the event files
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size="${SIZE:-1400,900}" \
  --virtual-time-budget=15000 --screenshot="$out" "http://localhost:$port/?darkMode=false#$view" > /dev/null 2>&1
[ -s "$out" ] || { echo "tensorboard-screenshot: chromium wrote no $out" >&2; exit 1; }
echo "tensorboard-screenshot: $out"
