#include "gan/resnet_discriminator.h"

#include "core/error.h"

namespace synthview::gan {
namespace {

torch::Tensor pool(const torch::Tensor& x) { return torch::avg_pool2d(x, 2); }

}  // namespace

DiscriminatorBlockImpl::DiscriminatorBlockImpl(int64_t in, int64_t out, bool downsample, bool optimized)
    : downsample_(downsample), optimized_(optimized) {
  conv1_ = register_module("conv1", SNConv2d(in, out, 3));
  conv2_ = register_module("conv2", SNConv2d(out, out, 3));
  if (optimized || downsample || in != out) shortcut_ = register_module("shortcut", SNConv2d(in, out, 1));
}

torch::Tensor DiscriminatorBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = conv2_->forward(torch::relu(conv1_->forward(optimized_ ? x : torch::relu(x))));
  if (downsample_) h = pool(h);
  torch::Tensor skip = x;
  if (optimized_) {
    skip = shortcut_->forward(downsample_ ? pool(x) : x);
  } else if (shortcut_) {
    skip = shortcut_->forward(x);
    if (downsample_) skip = pool(skip);
  }
  return h + skip;
}

ResNetDiscriminator::ResNetDiscriminator(int64_t channels, int64_t resolution, int64_t num_classes, int64_t width) {
  if (resolution < 16 || resolution % 8 != 0) {
    throw InputError(synthview::str("generator.resolution=", resolution,
                                    " is too small for the resnet discriminator (expected 16, 32, 64, ...)"));
  }
  int64_t side = resolution / 2;
  blocks_.push_back(register_module("block0", DiscriminatorBlock(channels, width, true, true)));
  for (; side > 8; side /= 2) {
    blocks_.push_back(register_module(synthview::str("block", blocks_.size()), DiscriminatorBlock(width, width, true, false)));
  }
  for (int i = 0; i < 2; ++i) {
    blocks_.push_back(register_module(synthview::str("block", blocks_.size()), DiscriminatorBlock(width, width, false, false)));
  }
  head_.build(*this, width, num_classes);
}

torch::Tensor ResNetDiscriminator::forward(const torch::Tensor& images, const torch::Tensor& class_ids) {
  torch::Tensor x = images;
  for (auto& block : blocks_) x = block->forward(x);
  return head_.score(torch::relu(x).sum({2, 3}), class_ids);
}

}  // namespace synthview::gan
