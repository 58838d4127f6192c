#include "core/device.h"

#include <cstdlib>

#include "core/error.h"

namespace synthview {

torch::Device pick_device(const std::string& device) {
  if (device == "cuda" || (device == "auto" && torch::cuda::is_available())) {
    if (!torch::cuda::is_available()) {
      throw InputError("device=cuda but no CUDA device is visible (or LibTorch was built without CUDA); "
                       "use device=cpu or device=auto");
    }
    return torch::Device(torch::kCUDA);
  }
  if (device != "cpu" && device != "auto") {
    throw InputError(str("device='", device, "' (expected auto, cpu or cuda)"));
  }
  return torch::Device(torch::kCPU);
}

void make_cuda_deterministic() {
  setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
  at::globalContext().setBenchmarkCuDNN(false);
  at::globalContext().setDeterministicCuDNN(true);
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/false);
}

}  // namespace synthview
