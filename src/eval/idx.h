// Real images for evaluation and the real-data baseline: the IDX format of (Fashion-)MNIST,
// gzip-compressed or plain (zlib reads both).
#pragma once

#include <torch/torch.h>

#include <string>

namespace synthview::eval {

struct LabeledImages {
  torch::Tensor images;  // uint8 [N, rows, cols]
  torch::Tensor labels;  // int64 [N]
};

// Reads an IDX image file (ubyte, 3 dims) and its IDX label file (ubyte, 1 dim) with equal counts.
// A missing or malformed file is an InputError naming the path and what is wrong.
LabeledImages read_idx_pair(const std::string& images_path, const std::string& labels_path);

// The Fashion-MNIST split "train" (60000) or "test" (10000) from a folder holding the files as
// Debian's dataset-fashion-mnist ships them (train-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, ...);
// uncompressed files without ".gz" are accepted too. Labels must lie in 0..9.
LabeledImages load_fashion_mnist(const std::string& folder, const std::string& split);

// The validation split of every tuning decision is train[kValidationFirst:60000]; whatever is tuned on it
// (probes in `eval --split val`, the GAN, real-data training with data.real_train_images) fits on
// train[0:kValidationFirst] only.
constexpr int64_t kValidationFirst = 50000;

}  // namespace synthview::eval
