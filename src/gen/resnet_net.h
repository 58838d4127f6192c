// generator.arch = resnet: the SNGAN generator for 32 px (Miyato et al. 2018, CIFAR-10 ResNet) with
// class-conditional batch norm in every residual block (as BigGAN, without its shared embedding):
//   z -> linear -> 4x4 x W -> k x GBlock(W -> W, 2x up) -> BN, ReLU -> conv3x3 to `channels` -> tanh
//   GBlock(x, y) = conv3x3(ReLU(CBN2(conv3x3(up(ReLU(CBN1(x, y)))), y))) + conv1x1(up(x))
// resolution = 4 * 2^k, W = generator.width at every block, nearest-neighbour upsampling.
// At width 64, 128-d z, 32 px (configs/gan-resnet.yaml): 0.37 M parameters.
#pragma once

#include <vector>

#include "gen/conditional_bn.h"
#include "gen/generator_net.h"

namespace synthview::gen {

class ResNetBlockImpl : public torch::nn::Module {
 public:
  ResNetBlockImpl(int64_t in, int64_t out, int64_t classes);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& class_ids);

 private:
  ConditionalBatchNorm cbn1_{nullptr}, cbn2_{nullptr};
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, shortcut_{nullptr};
};
TORCH_MODULE(ResNetBlock);

class ResNetNet : public GeneratorNet {
 public:
  ResNetNet(const GeneratorInfo& info, int64_t width);
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& class_ids) override;
  std::string arch() const override { return "resnet"; }
  // Kaiming-normal for convolutions and the linear layer (N(0, 1/fan_in) for the output convolution and the
  // shortcuts), conditional gains 1, shifts 0, final BN scale 1, biases 0.
  InitRule init_rule(const std::string& name, const torch::Tensor& parameter) const override;

 private:
  torch::nn::Linear project_{nullptr};
  std::vector<ResNetBlock> blocks_;
  torch::nn::BatchNorm2d out_norm_{nullptr};
  torch::nn::Conv2d out_conv_{nullptr};
};

}  // namespace synthview::gen
