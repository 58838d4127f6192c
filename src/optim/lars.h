// LARS (You et al. 2017, "Large Batch Training of Convolutional Networks"), as used by SimCLR.
//
// For a parameter w with gradient g, per step (lr from the group, momentum m, weight decay wd):
//   adapted (w.dim() > 1: conv and linear weights):
//     trust = eta * ||w|| / (||g|| + wd * ||w||)   (1 when ||w|| or ||g|| is 0)
//     u = trust * (g + wd * w)
//   not adapted (w.dim() <= 1: biases and norm weights/biases): u = g (no weight decay either)
//   v = m * v + u (v = u on the first step);  w = w - lr * v
// The dimension test is what decides "bias or norm parameter": every 1-D tensor of the models here
// is one of those, and it needs no names.
#pragma once

#include <torch/torch.h>

namespace synthview::optim {

struct LarsOptions : public torch::optim::OptimizerCloneableOptions<LarsOptions> {
  explicit LarsOptions(double lr) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, momentum) = 0.9;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(double, eta) = 0.001;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double value) override { lr(value); }
};

struct LarsParamState : public torch::optim::OptimizerCloneableParamState<LarsParamState> {
  TORCH_ARG(torch::Tensor, momentum_buffer);
};

class Lars : public torch::optim::Optimizer {
 public:
  Lars(std::vector<torch::Tensor> params, const LarsOptions& defaults);
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace synthview::optim
