// generator.arch = dcgan: the class embedding concatenated to z, then transposed convolutions.
//   [z ; embed(y)] -> linear -> 4x4 x C0 -> BN, ReLU -> (ConvT 4/2/1 -> BN -> ReLU) x (k-1)
//   -> ConvT 4/2/1 to `channels` -> tanh,   resolution = 4 * 2^k, C0 = width * 2^(k-1).
// At width 64 and 32 px it has about 1.2 M parameters (models/fmnist-generator.h5).
#pragma once

#include "gen/generator_net.h"

namespace synthview::gen {

class DcganNet : public GeneratorNet {
 public:
  DcganNet(const GeneratorInfo& info, int64_t width);
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& class_ids) override;
  std::string arch() const override { return "dcgan"; }
  // Kaiming-normal for what follows a ReLU, N(0, 1) class embedding, BN scale 1, biases 0.
  InitRule init_rule(const std::string& name, const torch::Tensor& parameter) const override;

 private:
  int64_t start_channels_;
  torch::nn::Embedding embed_{nullptr};  // absent when unconditional
  torch::nn::Linear project_{nullptr};
  torch::nn::BatchNorm2d project_norm_{nullptr};
  torch::nn::Sequential blocks_{nullptr};
};

}  // namespace synthview::gen
