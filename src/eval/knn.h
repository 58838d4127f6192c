// Weighted kNN classifier on frozen features (InstDisc style, docs/evaluation.md).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "eval/accuracy.h"

namespace synthview::eval {

struct KnnOptions {
  std::vector<int64_t> ks = {20, 200};  // neighbour counts (clamped to the train size)
  double temperature = 0.07;            // a neighbour votes exp(cosine / temperature) for its class
  // Bounds the test-by-train similarity block held at once (2^25 floats = 128 MiB).
  int64_t max_block_elements = int64_t(1) << 25;
};

struct KnnScore {
  int64_t k = 0;
  Accuracy test;
};

// Class votes [N_test, classes] for each k of options.ks, in order: the sum of exp(cos / T) over the
// k most cosine-similar train features of each test feature, by the neighbour's label.
std::vector<torch::Tensor> knn_votes(const torch::Tensor& train_features, const torch::Tensor& train_labels,
                                     const torch::Tensor& test_features, int64_t classes,
                                     const KnnOptions& options = {});

// Top-1/top-5 of the highest-voted classes for each k; classes = 1 + the largest label of either split.
std::vector<KnnScore> knn_classify(const torch::Tensor& train_features, const torch::Tensor& train_labels,
                                   const torch::Tensor& test_features, const torch::Tensor& test_labels,
                                   const KnnOptions& options = {});

}  // namespace synthview::eval
