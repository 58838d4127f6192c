#!/usr/bin/env bash
# Installs every Debian 12 package synthview needs to build, test and run (as root; idempotent).
# Usage: tools/setup-deps.sh           everything: `make test` and the README's test command
#        tools/setup-deps.sh --demo    only what building and running synthview needs: `make demo` (a
#                                      fresh machine's first result comes sooner without the test tools)
set -euo pipefail

# Building and running synthview, and the real images `make demo` evaluates on.
demo_packages=(
  build-essential cmake pkg-config git
  libtorch-dev libopenblas0-pthread          # LibTorch 1.13 CPU; OpenBLAS instead of the reference BLAS
  libopenmpi-dev openmpi-bin
  libhdf5-dev
  libboost-program-options-dev
  libyaml-cpp-dev
  zlib1g-dev libpng-dev
  libprotobuf-dev protobuf-compiler          # TensorBoard event files (src/tensorboard/event.proto)
  dataset-fashion-mnist                      # real images for evaluation: /usr/share/datasets/fashion-mnist
)
# Testing (every test of `make test`), the GPU flavour's wheel and the sanitizer build on top.
test_packages=(
  ccache hdf5-tools
  libgtest-dev
  python3 python3-pip python3-venv python3-h5py python3-numpy python3-matplotlib   # python3-pip: the CUDA flavour's wheel
  python3-torch python3-torchvision          # oracles for the loss and torchvision-equivalence tests
  slurm-wlm munge                            # the Slurm integration test runs a real slurmctld + slurmd
  iproute2                                   # tests/multihost: hosts as network namespaces (ip netns)
  clang-14 libclang-rt-14-dev                # make test-sanitize / make fuzz: ASan, UBSan, libFuzzer (libclang_rt.fuzzer)
)

case "${1:-}" in
  --demo) packages=("${demo_packages[@]}") ;;
  "") packages=("${demo_packages[@]}" "${test_packages[@]}") ;;
  *) echo "setup-deps: unknown argument '$1' (expected nothing or --demo)" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#packages[@]} packages present"
else
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-deps: missing packages: ${missing[*]}; run this script as root (or install them)" >&2
    exit 2
  fi
  echo "setup-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# PyPI's tensorboard (the event-file reader tests), in .deps/tensorboard of the checkout.
if [ "${1:-}" != --demo ]; then
  "$(dirname "$0")/setup-tensorboard.sh" "$(dirname "$0")/../.deps/tensorboard"
fi
