// The run's device from the `device` key, shared by `train` and `train-generator`.
#pragma once

#include <torch/torch.h>

#include <string>

namespace synthview {

// "cpu", "cuda" or "auto" (cuda when a CUDA device is visible); device=cuda without one is an InputError.
torch::Device pick_device(const std::string& device);

// train.deterministic on CUDA: the algorithms that give the same bits on every run (CPU ones do
// already, for a fixed thread count), TF32 off. cuBLAS needs its workspace fixed before its first use.
void make_cuda_deterministic();

}  // namespace synthview
