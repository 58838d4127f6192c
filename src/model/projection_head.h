// The projection MLP of SimCLR v2: fc1 (no bias) -> bn1 -> ReLU -> fc2.
//
// Tensor names: fc1.weight, bn1.{weight,bias[,running_mean,running_var,num_batches_tracked]},
// fc2.weight, fc2.bias. bn1 comes from the same NormFactory as the encoder's norms and sees the
// hidden activations as [N, hidden, 1, 1]: a BatchNorm2d over that shape computes exactly
// BatchNorm1d's statistics, and with SyncBatchNorm the head keeps gradients exact across ranks
// (a plain BatchNorm1d here would silently break that invariant).
// With an empty factory the head is norm-free: fc1 (with bias) -> ReLU -> fc2, the SupCon head
// the reference paper used.
#pragma once

#include <cstdint>

#include <torch/torch.h>

#include "model/norm.h"

namespace synthview::model {

class ProjectionHeadImpl : public torch::nn::Module {
 public:
  ProjectionHeadImpl(int64_t in_features, int64_t hidden, int64_t out_features, const NormFactory& norm);
  // [N, in_features] -> [N, out_features] (not normalised)
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Linear fc1_{nullptr};
  torch::nn::AnyModule bn1_;
  torch::nn::Linear fc2_{nullptr};
};
TORCH_MODULE(ProjectionHead);

}  // namespace synthview::model
