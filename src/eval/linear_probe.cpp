#include "eval/linear_probe.h"

#include "core/error.h"

namespace synthview::eval {

LinearProbeResult linear_probe(const torch::Tensor& train_features, const torch::Tensor& train_labels,
                               const torch::Tensor& test_features, const torch::Tensor& test_labels,
                               const LinearProbeOptions& options) {
  SV_CHECK(train_features.dim() == 2 && test_features.dim() == 2 && train_features.size(1) == test_features.size(1),
           "feature shapes differ: train ", train_features.sizes(), ", test ", test_features.sizes());
  SV_CHECK(train_labels.size(0) == train_features.size(0) && test_labels.size(0) == test_features.size(0),
           "label counts do not match the features");
  SV_CHECK(options.max_iterations > 0 && options.weight_decay >= 0, "bad linear probe options");
  torch::NoGradGuard no_grad;  // only the classifier below needs gradients
  const auto device = train_features.device();
  torch::Tensor train_y = train_labels.to(device, torch::kInt64);
  torch::Tensor test_y = test_labels.to(device, torch::kInt64);
  const int64_t classes = 1 + std::max(train_y.max().item<int64_t>(), test_y.max().item<int64_t>());

  torch::Tensor mean = train_features.mean(0, /*keepdim=*/true);
  // Population std, written out: Tensor::std's overloads differ between LibTorch 1.13 and 2.x.
  torch::Tensor std = (train_features - mean).pow(2).mean(0, /*keepdim=*/true).sqrt();
  std = std.masked_fill(std < 1e-6, 1.0);
  torch::Tensor train_x = ((train_features - mean) / std).to(torch::kFloat32);
  torch::Tensor test_x = ((test_features.to(device) - mean) / std).to(torch::kFloat32);

  auto on = torch::TensorOptions().dtype(torch::kFloat32).device(device).requires_grad(true);
  torch::Tensor weight = torch::zeros({train_x.size(1), classes}, on);
  torch::Tensor bias = torch::zeros({classes}, on);
  torch::optim::LBFGS optimizer({weight, bias}, torch::optim::LBFGSOptions(1.0)
                                                    .max_iter(options.max_iterations)
                                                    .history_size(20)
                                                    .tolerance_grad(1e-6)
                                                    .tolerance_change(1e-9)
                                                    .line_search_fn("strong_wolfe"));
  LinearProbeResult result;
  {
    torch::AutoGradMode enable_grad(true);
    optimizer.step([&] {
      optimizer.zero_grad();
      torch::Tensor loss = torch::nn::functional::cross_entropy(torch::addmm(bias, train_x, weight), train_y) +
                           0.5 * options.weight_decay * weight.pow(2).sum();
      loss.backward();
      ++result.loss_evaluations;
      return loss;
    });
  }
  result.train = topk_accuracy(torch::addmm(bias, train_x, weight), train_y);
  result.test = topk_accuracy(torch::addmm(bias, test_x, weight), test_y);
  return result;
}

}  // namespace synthview::eval
