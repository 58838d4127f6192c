// Frozen-encoder features for the probes.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>

namespace synthview::eval {

using Encode = std::function<torch::Tensor(const torch::Tensor&)>;

// Runs `encode` on consecutive slices of `images_nchw` along dim 0 (batch_size each, the last one
// shorter) without autograd and concatenates the results flattened to [N, D] float32, on the device
// `encode` returns. Eval mode is the caller's job. Any tensor can be sliced: pass uint8 images and an
// `encode` that calls to_encoder_input first to convert one batch at a time.
torch::Tensor compute_features(const Encode& encode, const torch::Tensor& images_nchw, int64_t batch_size);

}  // namespace synthview::eval
