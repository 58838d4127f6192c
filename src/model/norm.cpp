#include "model/norm.h"

#include "core/error.h"

namespace synthview::model {

NormFactory batch_norm_factory() {
  return [](int64_t channels) { return torch::nn::AnyModule(torch::nn::BatchNorm2d(channels)); };
}

int64_t group_norm_groups(int64_t channels) {
  SV_CHECK(channels >= 1, "norm layer needs at least one channel, got ", channels);
  int64_t groups = std::min<int64_t>(32, channels);
  while (channels % groups != 0) --groups;
  return groups;
}

NormFactory group_norm_factory() {
  return [](int64_t channels) {
    return torch::nn::AnyModule(
        torch::nn::GroupNorm(torch::nn::GroupNormOptions(group_norm_groups(channels), channels)));
  };
}

}  // namespace synthview::model
