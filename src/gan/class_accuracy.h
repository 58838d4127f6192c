// Accuracy of predicted classes, overall and per class (the scorer's classifiers share these).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace synthview::gan {

// predicted, labels: int64 [N].
double accuracy(const torch::Tensor& predicted, const torch::Tensor& labels);
// Accuracy on the images of each class c in [0, classes) (NaN for a class absent from labels).
std::vector<double> class_accuracy(const torch::Tensor& predicted, const torch::Tensor& labels, int64_t classes);

}  // namespace synthview::gan
