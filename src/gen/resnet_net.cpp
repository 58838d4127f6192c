#include "gen/resnet_net.h"

#include <cmath>

#include "core/error.h"

namespace synthview::gen {
namespace {

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).padding(kernel / 2));
}

torch::Tensor upsample(const torch::Tensor& x) {
  return x.repeat_interleave(2, 2).repeat_interleave(2, 3);  // nearest neighbour, exact on every device
}

bool contains(const std::string& name, const char* part) { return name.find(part) != std::string::npos; }

}  // namespace

ResNetBlockImpl::ResNetBlockImpl(int64_t in, int64_t out, int64_t classes) {
  cbn1_ = register_module("cbn1", ConditionalBatchNorm(in, classes));
  conv1_ = register_module("conv1", conv(in, out, 3));
  cbn2_ = register_module("cbn2", ConditionalBatchNorm(out, classes));
  conv2_ = register_module("conv2", conv(out, out, 3));
  shortcut_ = register_module("shortcut", conv(in, out, 1));
}

torch::Tensor ResNetBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& class_ids) {
  torch::Tensor h = conv1_->forward(upsample(torch::relu(cbn1_->forward(x, class_ids))));
  h = conv2_->forward(torch::relu(cbn2_->forward(h, class_ids)));
  return h + shortcut_->forward(upsample(x));
}

ResNetNet::ResNetNet(const GeneratorInfo& info, int64_t width) : GeneratorNet(info, width) {
  const int64_t k = upsamplings(info.resolution);
  SV_CHECK(k >= 1, "resolution must be 4 * 2^k, got ", info.resolution);
  project_ = register_module("project", torch::nn::Linear(info.latent_dim, width * 16));
  for (int64_t i = 0; i < k; ++i) {
    blocks_.push_back(register_module(synthview::str("block", i), ResNetBlock(width, width, info.num_classes)));
  }
  out_norm_ = register_module("out_norm", torch::nn::BatchNorm2d(width));
  out_conv_ = register_module("out_conv", conv(width, info.channels, 3));
}

torch::Tensor ResNetNet::forward(const torch::Tensor& z, const torch::Tensor& class_ids) {
  torch::Tensor x = project_->forward(z).view({z.size(0), width(), 4, 4});
  for (auto& block : blocks_) x = block->forward(x, class_ids);
  return torch::tanh(out_conv_->forward(torch::relu(out_norm_->forward(x))));
}

InitRule ResNetNet::init_rule(const std::string& name, const torch::Tensor& p) const {
  if (contains(name, ".gain.")) return {0, 1.0};
  if (contains(name, ".shift.")) return {0, 0.0};
  if (p.dim() >= 2) {
    const double fan_in = static_cast<double>(p.numel() / p.size(0));
    const bool linear_out = contains(name, "out_conv") || contains(name, "shortcut");
    return {std::sqrt((linear_out ? 1.0 : 2.0) / fan_in), 0};
  }
  return {0, contains(name, "out_norm.weight") ? 1.0 : 0.0};
}

}  // namespace synthview::gen
