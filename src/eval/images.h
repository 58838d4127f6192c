// The one conversion of real uint8 images into encoder input, shared by real-data training and evaluation.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace synthview::eval {

// uint8 [N, H, W] or [N, 1, H, W] (or [N, channels, H, W]) -> float NCHW [N, channels, size, size] in [-1, 1],
// the generator's output convention: pixel p maps to p / 127.5 - 1, resized with bilinear interpolation
// (align_corners = false, no antialiasing) and a single channel replicated to `channels`.
// Runs on the images' device; convert in batches to bound memory (compute_features slices any tensor).
torch::Tensor to_encoder_input(const torch::Tensor& uint8_images, int64_t channels, int64_t size);

}  // namespace synthview::eval
