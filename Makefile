# The two README commands: `make demo` (install, build, run the main job) and `make test` (install,
# build and test both LibTorch flavours). Both are safe to rerun; each step only does what is missing.
#   build/       Debian's LibTorch 1.13 (CPU): the default flavour, `make build`, `make test-cpu`
#   build-cuda/  a CUDA LibTorch 2.x: `make cuda`, `make test-cuda`. CUDA_TORCH=<torch folder> uses
#                one you have (a GPU node's pip install); empty installs PyPI's wheel (tools/setup-cuda-torch.sh).
#   build-asan/  clang-14 with ASan + UBSan + libFuzzer coverage (docs/reliability.md): `make test-sanitize`
#                runs the core, h5, ckpt, eval and gen suites with leak detection; `make fuzz FUZZ_SECONDS=N`
#                runs each harness in fuzz/ for N seconds. Neither is part of `make test`.
BUILD_DIR ?= build
CUDA_BUILD_DIR ?= build-cuda
CUDA_TORCH ?=
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST = ctest --output-on-failure --timeout 900
ASAN_BUILD_DIR ?= build-asan
FUZZ_SECONDS ?= 60
SANITIZE_SUITES = core h5 ckpt eval gen
FUZZERS = config idx ckpt genweights probe
empty :=
space := $(empty) $(empty)

TORCH_CUDA_ROOT = $(if $(CUDA_TORCH),$(CUDA_TORCH),$(CURDIR)/.deps/torch-cuda/torch)

.PHONY: deps configure build demo test test-cpu cuda-deps cuda test-cuda sanitize-configure test-sanitize fuzz clean

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

# One instrumented tree serves both: the suites' libraries are the fuzzers' libraries.
sanitize-configure: deps
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DSYNTHVIEW_SANITIZE=address,undefined -DSYNTHVIEW_FUZZ=ON -DSYNTHVIEW_BENCHMARKS=OFF -DSYNTHVIEW_CUDA=OFF \
	  -DSYNTHVIEW_NCCL_COMPILE_CHECK=OFF $(CMAKE_FLAGS)

# Only the five suites' binaries are built; LeakSanitizer's suppressions (each with its reason) are in tools/sanitize/.
test-sanitize: sanitize-configure
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS) --target $(addprefix test_,$(SANITIZE_SUITES))
	cd $(ASAN_BUILD_DIR) && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tools/sanitize/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(CTEST) -R '^($(subst $(space),|,$(SANITIZE_SUITES)))$$'

fuzz: sanitize-configure
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZERS))
	tools/run-fuzz.sh $(ASAN_BUILD_DIR) $(FUZZ_SECONDS) $(FUZZERS)

clean:
	rm -rf $(BUILD_DIR) $(CUDA_BUILD_DIR) $(ASAN_BUILD_DIR)
