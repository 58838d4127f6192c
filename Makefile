# The two README commands: `make demo` (install, build, run the main job) and `make test` (install,
# build and test both LibTorch flavours). Both are safe to rerun; each step only does what is missing.
#   build/       Debian's LibTorch 1.13 (CPU): the default flavour, `make build`, `make test-cpu`
#   build-cuda/  a CUDA LibTorch 2.x: `make cuda`, `make test-cuda`. CUDA_TORCH=<torch folder> uses
#                one you have (a GPU node's pip install); empty installs PyPI's wheel (tools/setup-cuda-torch.sh).
BUILD_DIR ?= build
CUDA_BUILD_DIR ?= build-cuda
CUDA_TORCH ?=
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST = ctest --output-on-failure --timeout 900

TORCH_CUDA_ROOT = $(if $(CUDA_TORCH),$(CUDA_TORCH),$(CURDIR)/.deps/torch-cuda/torch)

.PHONY: deps configure build demo test test-cpu cuda-deps cuda test-cuda clean

deps:
	tools/setup-deps.sh

configure: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The demo needs the binary only: no test or benchmark is compiled for it.
demo: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target synthview
	tools/run-demo.sh $(BUILD_DIR)

test-cpu: build
	cd $(BUILD_DIR) && $(CTEST)

cuda-deps: deps
	$(if $(CUDA_TORCH),@echo "using the CUDA LibTorch in $(CUDA_TORCH)",tools/setup-cuda-torch.sh .deps/torch-cuda)

cuda: cuda-deps
	cmake -S . -B $(CUDA_BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCMAKE_PREFIX_PATH=$(TORCH_CUDA_ROOT) \
	  -DSYNTHVIEW_CUDA=ON $(CMAKE_FLAGS)
	cmake --build $(CUDA_BUILD_DIR) -j $(JOBS)

test-cuda: cuda
	cd $(CUDA_BUILD_DIR) && $(CTEST)

test: test-cpu test-cuda

clean:
	rm -rf $(BUILD_DIR) $(CUDA_BUILD_DIR)
