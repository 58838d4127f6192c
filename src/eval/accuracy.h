// Top-1 / top-5 accuracy, shared by the linear probe and kNN.
#pragma once

#include <torch/torch.h>

namespace synthview::eval {

// Fractions in [0, 1]. top5 counts the label among the min(5, classes) highest scores.
struct Accuracy {
  double top1 = 0;
  double top5 = 0;
};

// scores: [N, C] (logits or votes; higher = more likely); labels: int64 [N] in [0, C).
// Ties are broken by torch::topk, so equal scores are not guaranteed a fixed order.
Accuracy topk_accuracy(const torch::Tensor& scores, const torch::Tensor& labels);

}  // namespace synthview::eval
