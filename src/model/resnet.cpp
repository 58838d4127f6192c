#include "model/resnet.h"

#include "core/error.h"

namespace synthview::model {

namespace {

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  auto conv = torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
  // torchvision: kaiming normal, fan_out, ReLU gain.
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
  return conv;
}

}  // namespace

const std::vector<std::string>& encoder_names() {
  static const std::vector<std::string> names = {"resnet18", "resnet50"};
  return names;
}

ResNetSpec resnet_spec(const std::string& name) {
  if (name == "resnet18") return {BlockKind::kBasic, {2, 2, 2, 2}};
  if (name == "resnet50") return {BlockKind::kBottleneck, {3, 4, 6, 3}};
  throw InputError(str("unknown encoder '", name, "': expected resnet18 or resnet50"));
}

torch::nn::AnyModule make_norm(const NormFactory& norm, int64_t channels) {
  SV_CHECK(norm, "no norm factory given");
  torch::nn::AnyModule module = norm(channels);
  torch::NoGradGuard no_grad;
  for (auto& param : module.ptr()->named_parameters(/*recurse=*/false)) {
    if (param.key() == "weight") param.value().fill_(1.0);
    if (param.key() == "bias") param.value().zero_();
  }
  return module;
}

ResidualBlockImpl::ResidualBlockImpl(BlockKind kind, int64_t in_channels, int64_t planes, int64_t stride,
                                     const NormFactory& norm) {
  const int64_t out_channels = planes * expansion(kind);
  // (in, out, kernel, stride) of each conv in the residual branch, in torchvision's order.
  std::vector<std::array<int64_t, 4>> layout;
  if (kind == BlockKind::kBasic) {
    layout = {{in_channels, planes, 3, stride}, {planes, planes, 3, 1}};
  } else {
    layout = {{in_channels, planes, 1, 1}, {planes, planes, 3, stride}, {planes, out_channels, 1, 1}};
  }
  for (size_t i = 0; i < layout.size(); ++i) {
    const auto& [in, out, kernel, conv_stride] = layout[i];
    convs_.push_back(register_module(str("conv", i + 1), conv(in, out, kernel, conv_stride)));
    norms_.push_back(make_norm(norm, out));
    register_module(str("bn", i + 1), norms_.back().ptr());
  }
  if (stride != 1 || in_channels != out_channels) {
    downsample_ = torch::nn::Sequential();
    downsample_->push_back(conv(in_channels, out_channels, 1, stride));
    downsample_->push_back(make_norm(norm, out_channels));
    register_module("downsample", downsample_);
  }
}

torch::Tensor ResidualBlockImpl::forward(torch::Tensor x) {
  torch::Tensor identity = downsample_ ? downsample_->forward(x) : x;
  torch::Tensor out = x;
  for (size_t i = 0; i < convs_.size(); ++i) {
    out = norms_[i].forward(convs_[i]->forward(out));
    if (i + 1 < convs_.size()) out = torch::relu(out);
  }
  return torch::relu(out + identity);
}

ResNetImpl::ResNetImpl(const ResNetSpec& spec, int64_t in_channels, Stem stem, const NormFactory& norm)
    : stem_(stem) {
  SV_CHECK(in_channels >= 1, "encoder needs at least one input channel, got ", in_channels);
  conv1_ = register_module("conv1", stem == Stem::kSmall ? conv(in_channels, spec.width, 3, 1)
                                                        : conv(in_channels, spec.width, 7, 2));
  bn1_ = make_norm(norm, spec.width);
  register_module("bn1", bn1_.ptr());
  int64_t channels = spec.width;
  for (size_t stage = 0; stage < layers_.size(); ++stage) {
    const int64_t planes = spec.width << stage;
    layers_[stage] = torch::nn::Sequential();
    for (int64_t b = 0; b < spec.blocks_per_stage[stage]; ++b) {
      const int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
      layers_[stage]->push_back(ResidualBlock(spec.block, channels, planes, stride, norm));
      channels = planes * ResidualBlockImpl::expansion(spec.block);
    }
    register_module(str("layer", stage + 1), layers_[stage]);
  }
  out_features_ = channels;
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
  x = torch::relu(bn1_.forward(conv1_->forward(x)));
  if (stem_ == Stem::kImageNet) x = torch::max_pool2d(x, 3, 2, 1);
  for (auto& layer : layers_) x = layer->forward(x);
  return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
}

}  // namespace synthview::model
