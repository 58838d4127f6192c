// The sample-quality classifier: multinomial logistic regression on standardised raw pixels (the settings of
// eval::linear_probe: L-BFGS, strong Wolfe, history 20, weight decay 1e-3), kept as a model so it can be
// applied to other images and scored per class. Needs no downloaded network.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace synthview::gan {

class PixelClassifier {
 public:
  // images float [N, C, H, W] (any range), labels int64 [N] in [0, classes).
  PixelClassifier(const torch::Tensor& images, const torch::Tensor& labels, int64_t classes,
                  int64_t max_iterations = 100, double weight_decay = 1e-3);
  torch::Tensor predict(const torch::Tensor& images) const;  // int64 [N]
  double accuracy(const torch::Tensor& images, const torch::Tensor& labels) const;
  // Accuracy on the images of each class c (NaN for a class absent from labels).
  std::vector<double> class_accuracy(const torch::Tensor& images, const torch::Tensor& labels) const;

 private:
  torch::Tensor features(const torch::Tensor& images) const;
  torch::Tensor mean_, std_, weight_, bias_;
  int64_t classes_;
};

}  // namespace synthview::gan
