// Linear probe: multinomial logistic regression on standardised frozen features (docs/evaluation.md).
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "eval/accuracy.h"

namespace synthview::eval {

struct LinearProbeOptions {
  // L2 penalty 0.5 * weight_decay * ||W||^2 added to the mean cross-entropy (bias not penalised).
  // 1e-3 was best of 1e-2..1e-5 on a train/validation split of raw Fashion-MNIST pixels.
  double weight_decay = 1e-3;
  // Full-batch L-BFGS iterations (strong Wolfe line search, history 20); stops earlier on convergence.
  // Validation accuracy no longer improves after about 50 on raw pixels; each costs ~1.25 loss evaluations.
  int64_t max_iterations = 100;
};

struct LinearProbeResult {
  Accuracy test;
  Accuracy train;
  int64_t loss_evaluations = 0;  // forward+backward passes over the train features
};

// Fits on (train_features [N, D], train_labels int64 [N]) from zero weights and scores the test split;
// classes = 1 + the largest label of either split. Features are standardised with the train mean/std
// (constant features are only centred). Deterministic for a fixed device and thread count.
LinearProbeResult linear_probe(const torch::Tensor& train_features, const torch::Tensor& train_labels,
                               const torch::Tensor& test_features, const torch::Tensor& test_labels,
                               const LinearProbeOptions& options = {});

}  // namespace synthview::eval
