// Image grids as 8-bit PNG files (libpng), for `synthview sample` and for looking at batches.
#pragma once

#include <torch/torch.h>

#include <string>

namespace synthview::gen {

// Tiles images [rows, cols, C, H, W] in [-1, 1] (C = 1 or 3) into one uint8 image
// [rows*(H+pad)+pad, cols*(W+pad)+pad, C] on a white background.
torch::Tensor tile_grid(const torch::Tensor& images, int64_t pad = 2);

// A uint8 image [H, W, C] (C = 1: gray, 3: RGB) as PNG bytes (for files and TensorBoard events).
std::string encode_png(const torch::Tensor& image);
// Writes encode_png(image) to `path`; a failure is an Error naming the path.
void write_png(const std::string& path, const torch::Tensor& image);
// Reads an 8-bit gray or RGB PNG into uint8 [H, W, C]; a missing or malformed file is an InputError.
torch::Tensor read_png(const std::string& path);

}  // namespace synthview::gen
