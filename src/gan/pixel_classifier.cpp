#include "gan/pixel_classifier.h"


#include "core/error.h"
#include "gan/class_accuracy.h"

namespace synthview::gan {

PixelClassifier::PixelClassifier(const torch::Tensor& images, const torch::Tensor& labels, int64_t classes,
                                 int64_t max_iterations, double weight_decay)
    : classes_(classes) {
  SV_CHECK(images.dim() == 4 && labels.size(0) == images.size(0), "bad classifier input ", images.sizes());
  torch::Tensor x = images.mean(1).flatten(1).to(torch::kFloat32);  // channel mean: 1- and 3-channel alike
  mean_ = x.mean(0, true);
  std_ = (x - mean_).pow(2).mean(0, true).sqrt();
  std_ = std_.masked_fill(std_ < 1e-6, 1.0);
  x = (x - mean_) / std_;
  torch::Tensor y = labels.to(torch::kInt64);
  auto on = torch::TensorOptions().dtype(torch::kFloat32).requires_grad(true);
  weight_ = torch::zeros({x.size(1), classes}, on);
  bias_ = torch::zeros({classes}, on);
  torch::optim::LBFGS optimizer({weight_, bias_}, torch::optim::LBFGSOptions(1.0)
                                                      .max_iter(max_iterations)
                                                      .history_size(20)
                                                      .tolerance_grad(1e-6)
                                                      .tolerance_change(1e-9)
                                                      .line_search_fn("strong_wolfe"));
  torch::AutoGradMode enable_grad(true);
  optimizer.step([&] {
    optimizer.zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(torch::addmm(bias_, x, weight_), y) +
                         0.5 * weight_decay * weight_.pow(2).sum();
    loss.backward();
    return loss;
  });
  weight_ = weight_.detach();
  bias_ = bias_.detach();
}

torch::Tensor PixelClassifier::features(const torch::Tensor& images) const {
  return (images.mean(1).flatten(1).to(torch::kFloat32) - mean_) / std_;
}

torch::Tensor PixelClassifier::predict(const torch::Tensor& images) const {
  torch::NoGradGuard no_grad;
  return torch::addmm(bias_, features(images), weight_).argmax(1);
}

double PixelClassifier::accuracy(const torch::Tensor& images, const torch::Tensor& labels) const {
  return gan::accuracy(predict(images), labels);
}

std::vector<double> PixelClassifier::class_accuracy(const torch::Tensor& images, const torch::Tensor& labels) const {
  return gan::class_accuracy(predict(images), labels, classes_);
}

}  // namespace synthview::gan
