# shellcheck shell=bash
# What tools/gpu/check.sh and tools/gpu/gan.sh share (sourced from the repository root, after `set -uo pipefail`):
# settings from the environment, `step` (a logged, timed, recorded command), `write_summary`, and the set-up of
# the CUDA build: the .deb prefix (`gpu_prefix`) and the configure step (`gpu_configure`).
#   OUT                 where logs and results go (default: the caller's $default_out)
#   GPU_CHECK_DRY_RUN   1: here, without a GPU: only what needs none
#   GPU_CHECK_PYTHON    the python3 that holds torch with CUDA (default python3)
#   GPU_CHECK_BUILD     the build folder (default build-gpu)
#   GPU_CHECK_DEBS, GPU_CHECK_PREFIX   the .deb files (tools/gpu/fetch-debs.sh) and where they are unpacked
#   GPU_CHECK_TORCH_DIR the LibTorch to build against (default: the one of GPU_CHECK_PYTHON's torch)
out=${OUT:-$PWD/${default_out:-gpu-check-out}}
mkdir -p "$out"
dry_run=${GPU_CHECK_DRY_RUN:-0}
python=${GPU_CHECK_PYTHON:-python3}
build=${GPU_CHECK_BUILD:-build-gpu}
debs=${GPU_CHECK_DEBS:-.gpu-debs}
prefix=${GPU_CHECK_PREFIX:-/tmp/synthview-prefix}
# shellcheck disable=SC2034  # used by the scripts that source this file
jobs=$(nproc)
results=()

# step NAME COMMAND...: runs it with its output in $OUT/NAME.log, records ok/failed and seconds.
step() {
  local name=$1; shift
  local start=$SECONDS
  echo "== $name: $*"
  "$@" >"$out/$name.log" 2>&1
  local code=$?
  local seconds=$((SECONDS - start))
  tail -n 5 "$out/$name.log"
  results+=("\"$name\": {\"ok\": $([ $code -eq 0 ] && echo true || echo false), \"exit\": $code, \"seconds\": $seconds}")
  echo "   -> exit $code in ${seconds}s"
  return $code
}

# write_summary FILE: the recorded steps as JSON, also printed.
write_summary() {
  local IFS=,
  printf '{"date": "%s", "dry_run": %s, "steps": {%s}}\n' "$(date -u +%FT%TZ)" \
    "$([ "$dry_run" = 1 ] && echo true || echo false)" "${results[*]}" >"$1"
  cat "$1"
}

environment() {
  nvidia-smi || [ "$dry_run" = 1 ]
  "$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "gpu", torch.cuda.is_available(),
                "cxx11 abi", torch._C._GLIBCXX_USE_CXX11_ABI)' || [ "$dry_run" = 1 ]
  cmake --version | head -n 1; g++ --version | head -n 1; nvcc --version | tail -n 1 || true
}

# The .deb prefix (tools/gpu/prefix-env.sh): unpacked as a step, then set up in this shell.
gpu_prefix() {
  # shellcheck source=tools/gpu/prefix-env.sh
  step prefix bash -c "source tools/gpu/prefix-env.sh '$debs' '$prefix'" || return 1
  source tools/gpu/prefix-env.sh "$debs" "$prefix" >/dev/null
}

# Configures $build: the CUDA flavour against the machine's own LibTorch (a dry run here points
# GPU_CHECK_TORCH_DIR at .deps/torch-cuda/torch), for sm_90, with the prefix's packages.
gpu_configure() {
  local torch_dir generator=cmake
  torch_dir=${GPU_CHECK_TORCH_DIR:-$("$python" -c 'import torch, os; print(os.path.dirname(torch.__file__))')}
  command -v ninja >/dev/null && generator=Ninja
  step configure cmake -S . -B "$build" -G "$generator" -DCMAKE_BUILD_TYPE=Release -DSYNTHVIEW_CUDA=ON \
    -DCMAKE_PREFIX_PATH="$torch_dir" -DTORCH_CUDA_ARCH_LIST=9.0 "${SYNTHVIEW_PREFIX_CMAKE_ARGS[@]}"
}
