// Geometric pixel augmentations as batched tensor ops on the images' device. Every random
// parameter is an argument (drawn by the caller from the counter RNG), so each op is a pure
// function that tests can compare against a direct computation.
#pragma once

#include <torch/torch.h>

namespace synthview::augment {

// Crops boxes[b] = (top, left, height, width), in input pixels and possibly fractional, out of
// images[b] ([B,C,H,W] float) and resizes each to out_size x out_size with bilinear sampling.
// Sample points are pixel centres (align_corners=false), so an integer box resized to its own
// size is an exact slice, and a box inside the image matches interpolate(crop, bilinear).
// Coordinates past the image edge are clamped to it (border padding).
torch::Tensor resized_crop(const torch::Tensor& images, const torch::Tensor& boxes, int64_t out_size);

// Mirrors images[b] left-right where flip[b] (bool [B]) is true.
torch::Tensor hflip(const torch::Tensor& images, const torch::Tensor& flip);

}  // namespace synthview::augment
