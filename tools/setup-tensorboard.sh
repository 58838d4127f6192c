#!/usr/bin/env bash
# Installs PyPI's `tensorboard` into a virtual environment in an ignored folder of the checkout (default
# .deps/tensorboard; never system-wide), for the tests that read event files with TensorBoard's own
# reader and for opening runs (.deps/tensorboard/bin/tensorboard --logdir runs). The C++ side needs no
# Python. The environment sees Debian's numpy (--system-site-packages). Idempotent.
# Usage: tools/setup-tensorboard.sh [DEST]    (tools/setup-deps.sh calls it)
set -euo pipefail

tensorboard_version=2.21.0
dest=${1:-.deps/tensorboard}
stamp="$dest/.installed-tensorboard-$tensorboard_version"

if [ -f "$stamp" ]; then
  echo "setup-tensorboard: tensorboard $tensorboard_version present in $dest"
  exit 0
fi
python=/usr/bin/python3
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "setup-tensorboard: $python cannot make a virtual environment; install python3-venv (tools/setup-deps.sh)" >&2
  exit 2
fi
rm -rf "$dest"
"$python" -m venv --system-site-packages "$dest"
"$dest/bin/python" -m pip install --quiet "tensorboard==$tensorboard_version"
"$dest/bin/python" -c 'from tensorboard.backend.event_processing import event_accumulator'
touch "$stamp"
echo "setup-tensorboard: tensorboard $tensorboard_version in $dest"
