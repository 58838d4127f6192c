// The built-in class-conditional generator: a DCGAN with the class embedding concatenated to z.
//   [z ; embed(y)] -> linear -> 4x4 x C0 -> BN, ReLU -> (ConvT 4/2/1 -> BN -> ReLU) x (k-1)
//   -> ConvT 4/2/1 to `channels` -> tanh,   resolution = 4 * 2^k, C0 = width * 2^(k-1).
// At width 64 and 32 px it has about 1.2 M parameters: small enough to train as a GAN on a CPU.
// Images come from eval mode (BN running statistics), so a sample never depends on its batch.
#pragma once

#include <torch/torch.h>

#include <string>

#include "gen/generator.h"

namespace synthview::gen {

class BuiltinGeneratorNetImpl : public torch::nn::Module {
 public:
  BuiltinGeneratorNetImpl(const GeneratorInfo& info, int64_t width);
  // Raw tanh output, [B, channels, resolution, resolution]; trainable (a normal nn::Module).
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& class_ids);
  const GeneratorInfo& info() const { return info_; }
  int64_t width() const { return width_; }

 private:
  GeneratorInfo info_;
  int64_t width_;
  int64_t start_channels_;
  torch::nn::Embedding embed_{nullptr};  // absent when unconditional
  torch::nn::Linear project_{nullptr};
  torch::nn::BatchNorm2d project_norm_{nullptr};
  torch::nn::Sequential blocks_{nullptr};
};
TORCH_MODULE(BuiltinGeneratorNet);

class BuiltinGenerator : public Generator {
 public:
  // Deterministic random init from `seed` (counter RNG stream kModelInit, so the same on every
  // rank and device), with BN statistics calibrated on one seeded batch so images use the range.
  BuiltinGenerator(const GeneratorInfo& info, int64_t width, uint64_t seed);
  // Weights and architecture from an HDF5 file (layout: docs/checkpoint-format.md, "Generator weights").
  static std::shared_ptr<BuiltinGenerator> load(const std::string& path);

  const GeneratorInfo& info() const override { return net_->info(); }
  torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& class_ids) override;
  void to(torch::Device device) override;
  torch::Device device() const override { return device_; }

  // The trainable module (GAN training flips it to train mode; generate() uses eval mode).
  BuiltinGeneratorNet& net() { return net_; }
  int64_t width() const { return net_->width(); }

 private:
  explicit BuiltinGenerator(BuiltinGeneratorNet net) : net_(std::move(net)) {}
  BuiltinGeneratorNet net_;
  torch::Device device_ = torch::kCPU;
};

// Writes the architecture attributes and every parameter and buffer under /generator.
void save_builtin_generator(BuiltinGenerator& generator, const std::string& path);

// Resolution must be 4 * 2^k with k >= 1; throws InputError naming the value otherwise.
GeneratorInfo builtin_info(const GeneratorSection& section);

}  // namespace synthview::gen
