// The ResNet projection discriminator of SNGAN for 32 px (Miyato et al. 2018; CIFAR-10 model), every
// convolution spectrally normalised:
//   x -> OptimizedBlock(C -> W, 2x down) -> DBlock(W -> W, 2x down) while the side is > 8
//     -> DBlock(W -> W) -> DBlock(W -> W) -> ReLU -> sum-pool -> projection head (discriminator.h)
//   OptimizedBlock(x) = avgpool(conv3x3(ReLU(conv3x3(x)))) + conv1x1(avgpool(x))
//   DBlock(x)         = [avgpool](conv3x3(ReLU(conv3x3(ReLU(x))))) + shortcut(x),
//                       shortcut = [avgpool](conv1x1(x)) when downsampling, else x
// 32 px: 32 -> 16 -> 8 -> 8 -> 8, W = gan.d_width.
#pragma once

#include <vector>

#include "gan/discriminator.h"

namespace synthview::gan {

class DiscriminatorBlockImpl : public torch::nn::Module {
 public:
  // optimized: the first block (no ReLU on the input, pooling before the shortcut conv).
  DiscriminatorBlockImpl(int64_t in, int64_t out, bool downsample, bool optimized);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  bool downsample_, optimized_;
  SNConv2d conv1_{nullptr}, conv2_{nullptr}, shortcut_{nullptr};  // shortcut absent when it is the identity
};
TORCH_MODULE(DiscriminatorBlock);

class ResNetDiscriminator : public DiscriminatorNet {
 public:
  ResNetDiscriminator(int64_t channels, int64_t resolution, int64_t num_classes, int64_t width);
  torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& class_ids) override;

 private:
  std::vector<DiscriminatorBlock> blocks_;
  ProjectionHead head_;
};

}  // namespace synthview::gan
