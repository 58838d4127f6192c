#!/usr/bin/env bash
# Installs the CUDA LibTorch of the `make cuda` flavour into an ignored folder of the checkout
# (default .deps/torch-cuda; never system-wide). Idempotent: a finished install is left alone.
#
# LibTorch comes from PyPI's torch wheel (headers, libtorch*.so, the CMake package under
# torch/share/cmake). Version: 2.11.0, the torch of our GPU machines (2.11.0+cu130); its wheel
# targets CUDA 13.0.2, which is the toolkit in /usr/local/cuda (cuBLAS 13.1.0.3, cudart 13.0.96,
# cuDNN 9.19.0.56, NCCL 2.28.9: the exact versions the wheel names). The wheel's libraries find
# their CUDA libraries through RPATH $ORIGIN/../../nvidia/<part>/lib, the layout of a pip install;
# here those folders hold links to the toolkit's own libraries, and only what the toolkit lacks
# (cuFile, cuSPARSELt, NVSHMEM: linked by libtorch, never used by synthview) comes from the
# nvidia-* wheels the torch wheel pins.
# Usage: tools/setup-cuda-torch.sh [DEST]    (the Makefile's cuda targets call it)
set -euo pipefail

torch_version=2.11.0
extra_wheels=(nvidia-cufile==1.15.1.6 nvidia-cusparselt-cu13==0.8.0 nvidia-nvshmem-cu13==3.4.5)
cuda_root=${CUDA_HOME:-/usr/local/cuda}
dest=${1:-.deps/torch-cuda}
stamp="$dest/.installed-torch-$torch_version"

if [ -f "$stamp" ]; then
  echo "setup-cuda-torch: LibTorch $torch_version (CUDA) present in $dest"
  exit 0
fi
for needed in "$cuda_root/lib64/libcudart.so.13" "$cuda_root/include/nccl.h" "$cuda_root/bin/nvcc"; do
  if [ ! -e "$needed" ]; then
    echo "setup-cuda-torch: $needed is missing: the CUDA flavour needs the CUDA 13.0 toolkit with cuDNN and NCCL" \
         "under $cuda_root (set CUDA_HOME for another place)" >&2
    exit 2
  fi
done

python=/usr/bin/python3
if ! "$python" -m pip --version >/dev/null 2>&1; then
  echo "setup-cuda-torch: $python -m pip is missing; run tools/setup-deps.sh first (python3-pip)" >&2
  exit 2
fi

rm -rf "$dest"
mkdir -p "$dest"
wheels=$(mktemp -d /tmp/synthview-wheels.XXXXXX)
trap 'rm -rf "$wheels"' EXIT
echo "setup-cuda-torch: downloading torch==$torch_version and ${extra_wheels[*]}"
# Only the libraries and headers are used, so the Python tag is fixed to get one definite file.
"$python" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d "$wheels" "torch==$torch_version" "${extra_wheels[@]}"

unzip -q -o "$wheels"/torch-*.whl 'torch/include/*' 'torch/lib/*' 'torch/share/*' -d "$dest"
for wheel in "$wheels"/nvidia_*.whl; do unzip -q -o "$wheel" 'nvidia/*/lib/*' -d "$dest"; done

# The toolkit's libraries where the wheel's RPATH looks for them.
link_all() {  # link_all FOLDER PATTERN...: links to the toolkit's files matching PATTERN
  local folder="$dest/nvidia/$1"; shift
  mkdir -p "$folder"
  for pattern in "$@"; do
    for file in "$cuda_root"/lib64/$pattern; do
      [ -e "$file" ] || { echo "setup-cuda-torch: no $pattern in $cuda_root/lib64" >&2; exit 2; }
      ln -sf "$(readlink -f "$file")" "$folder/$(basename "$file")"
    done
  done
}
link_all cu13/lib 'libcudart.so.13' 'libcublas.so.13' 'libcublasLt.so.13' 'libcufft.so.12' 'libcurand.so.10' \
  'libcusolver.so.12' 'libcusparse.so.12' 'libcupti.so.13' 'libnvrtc.so.13' 'libnvrtc-builtins.so.13.0' \
  'libnvJitLink.so.13'
link_all cudnn/lib 'libcudnn*.so.9'
link_all nccl/lib 'libnccl.so.2'
mkdir -p "$dest/nvidia/nccl/include"
ln -sf "$cuda_root/include/nccl.h" "$dest/nvidia/nccl/include/nccl.h"

touch "$stamp"
echo "setup-cuda-torch: LibTorch $torch_version (CUDA 13.0) in $dest ($(du -sh "$dest" | cut -f1))"
