// Norm layers come from a factory so the encoder does not know which one it gets: plain BatchNorm,
// GroupNorm, or the SyncBatchNorm of src/dist/ (which keeps gradients exact across ranks).
#pragma once

#include <cstdint>
#include <functional>

#include <torch/torch.h>

namespace synthview::model {

// Builds one norm layer for `channels` channels. The module takes [N, C, H, W] input and must use
// torchvision's tensor names (weight, bias; BN adds running_mean, running_var, num_batches_tracked).
using NormFactory = std::function<torch::nn::AnyModule(int64_t channels)>;

// torch::nn::BatchNorm2d (eps 1e-5, momentum 0.1, like torchvision): batch statistics of this rank only.
NormFactory batch_norm_factory();

// torch::nn::GroupNorm with group_norm_groups(channels) groups: no batch statistics, so it is
// exact across ranks without communication.
NormFactory group_norm_factory();

// The largest group count <= 32 that divides `channels` (32 for every ResNet width).
int64_t group_norm_groups(int64_t channels);

}  // namespace synthview::model
