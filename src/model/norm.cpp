#include "model/norm.h"

#include "core/error.h"

namespace synthview::model {

namespace {

// torchvision's BatchNorm2d (same names, state and defaults: eps 1e-5, momentum 0.1) whose statistics
// are float32 under bf16 autocast. CPU autocast leaves batch norm in the input's bf16, and LibTorch
// 1.13's CPU kernel then sums in bf16 on processors without AVX-512 BF16: gradients drifted 36 degrees
// from float32 through a ResNet-18. cuDNN computes in float32 already; the cast makes every machine
// do the same. (Subclassing torch::nn::BatchNorm2dImpl does not link against Debian's LibTorch.)
class Float32BatchNorm2dImpl : public torch::nn::Cloneable<Float32BatchNorm2dImpl> {
 public:
  explicit Float32BatchNorm2dImpl(int64_t channels) : channels_(channels) { reset(); }
  void reset() override {
    weight = register_parameter("weight", torch::ones({channels_}));
    bias = register_parameter("bias", torch::zeros({channels_}));
    running_mean = register_buffer("running_mean", torch::zeros({channels_}));
    running_var = register_buffer("running_var", torch::ones({channels_}));
    num_batches_tracked = register_buffer("num_batches_tracked", torch::zeros({}, torch::kLong));
  }
  torch::Tensor forward(const torch::Tensor& input) {
    const bool reduced = input.scalar_type() == torch::kBFloat16 || input.scalar_type() == torch::kHalf;
    if (is_training()) {
      torch::NoGradGuard no_grad;
      num_batches_tracked.add_(1);
    }
    return torch::batch_norm(reduced ? input.to(torch::kFloat) : input, weight, bias, running_mean, running_var,
                             is_training(), /*momentum=*/0.1, /*eps=*/1e-5, /*cudnn_enabled=*/true);
  }
  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  int64_t channels_;
};
TORCH_MODULE(Float32BatchNorm2d);

}  // namespace

NormFactory batch_norm_factory() {
  return [](int64_t channels) { return torch::nn::AnyModule(Float32BatchNorm2d(channels)); };
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
