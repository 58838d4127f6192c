#include "gan/discriminator.h"

#include <cmath>

#include "core/error.h"
#include "core/rng.h"

namespace synthview::gan {

DiscriminatorImpl::DiscriminatorImpl(int64_t channels, int64_t resolution, int64_t num_classes, int64_t width,
                                     uint64_t seed) {
  int64_t in = channels;
  int64_t out = width;
  for (int64_t side = resolution; side > 4; side /= 2) {
    SV_CHECK(side % 2 == 0, "discriminator resolution must be 4 * 2^k, got ", resolution);
    const auto name = synthview::str("conv", convs_.size());
    convs_.push_back(register_module(name, SNWeight(std::vector<int64_t>{out, in, 4, 4})));
    conv_biases_.push_back(register_parameter(name + "_bias", torch::zeros({out})));
    in = out;
    out *= 2;
  }
  SV_CHECK(!convs_.empty(), "discriminator resolution must be at least 8, got ", resolution);
  linear_ = register_module("linear", SNWeight(std::vector<int64_t>{1, in}));
  linear_bias_ = register_parameter("linear_bias", torch::zeros({1}));
  if (num_classes > 0) embed_ = register_module("embed", SNWeight(std::vector<int64_t>{num_classes, in}));

  // Seeded init: N(0, 1/fan_in) per weight (the scale only sets Adam's effective step: SN divides it out).
  torch::NoGradGuard no_grad;
  CounterRng rng(seed);
  int64_t number = 0;
  for (auto& item : named_parameters()) {
    torch::Tensor& p = item.value();
    ++number;
    if (p.dim() < 2) continue;  // biases stay 0
    const double fan_in = static_cast<double>(p.numel() / p.size(0));
    torch::Tensor index = torch::arange(p.numel(), torch::kInt64) + (number << 32);
    p.copy_((rng.normal(RngStream::kModelInit, index, 1) * (1.0 / std::sqrt(fan_in))).view(p.sizes()));
  }
}

torch::Tensor DiscriminatorImpl::forward(const torch::Tensor& images, const torch::Tensor& class_ids) {
  torch::Tensor x = images;
  for (size_t i = 0; i < convs_.size(); ++i) {
    x = torch::conv2d(x, convs_[i]->normalized(), conv_biases_[i], /*stride=*/2, /*padding=*/1);
    x = torch::leaky_relu(x, 0.1);
  }
  torch::Tensor h = x.sum({2, 3});  // sum pooling, as in SNGAN
  torch::Tensor score = torch::addmm(linear_bias_, h, linear_->normalized().t()).squeeze(1);
  if (embed_) {
    torch::Tensor e = embed_->normalized().index_select(0, class_ids);
    score = score + (e * h).sum(1);
  }
  return score;
}

}  // namespace synthview::gan
