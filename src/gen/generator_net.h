// The trainable network behind the builtin generator, one of two architectures (generator.arch):
//   dcgan   dcgan_net.h: [z ; embed(y)] -> linear -> ConvTranspose/BN/ReLU stack -> tanh (the shipped file)
//   resnet  resnet_net.h: SNGAN/BigGAN-style residual blocks with class-conditional batch norm
// Both map z [B, latent_dim] and class ids [B] to raw tanh images [B, channels, resolution, resolution].
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "gen/generator.h"
#include "gen/seeded_init.h"

namespace synthview::gen {

class GeneratorNet : public torch::nn::Module {
 public:
  GeneratorNet(const GeneratorInfo& info, int64_t width) : info_(info), width_(width) {}
  // Raw tanh output, [B, channels, resolution, resolution]; class_ids int64 [B] (zeros when unconditional).
  virtual torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& class_ids) = 0;
  // "dcgan" or "resnet": the generator.arch value, stored in the weights file.
  virtual std::string arch() const = 0;
  // How parameter `name` starts (gen::seeded_init).
  virtual InitRule init_rule(const std::string& name, const torch::Tensor& parameter) const = 0;

  const GeneratorInfo& info() const { return info_; }
  int64_t width() const { return width_; }

 private:
  GeneratorInfo info_;
  int64_t width_;
};

// The net of architecture `arch` (InputError naming generator.arch for an unknown one), not initialised.
std::shared_ptr<GeneratorNet> make_generator_net(const std::string& arch, const GeneratorInfo& info, int64_t width);

// Number of 2x upsamplings from 4x4 to `resolution`; 0 if it is not 4 * 2^k.
int64_t upsamplings(int64_t resolution);

}  // namespace synthview::gen
