// The built-in class-conditional generator: a GeneratorNet (generator_net.h) of architecture generator.arch,
// dcgan (the shipped models/fmnist-generator.h5) or resnet, behind the Generator interface, with its HDF5
// weights file (docs/checkpoint-format.md, "Generator weights"). Images come from eval mode (BN running
// statistics), so a sample never depends on its batch.
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/rng.h"
#include "gen/generator.h"
#include "gen/generator_net.h"

namespace synthview::gen {

class BuiltinGenerator : public Generator {
 public:
  // Deterministic random init from `seed` (counter RNG stream kModelInit, so the same on every
  // rank and device), with BN statistics calibrated on one seeded batch so images use the range.
  BuiltinGenerator(const GeneratorInfo& info, int64_t width, uint64_t seed, const std::string& arch = "dcgan");
  // Weights and architecture from an HDF5 file (layout: docs/checkpoint-format.md, "Generator weights").
  static std::shared_ptr<BuiltinGenerator> load(const std::string& path);

  const GeneratorInfo& info() const override { return net_->info(); }
  torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& class_ids) override;
  void to(torch::Device device) override;
  torch::Device device() const override { return device_; }

  // The trainable module (GAN training flips it to train mode; generate() uses eval mode).
  std::shared_ptr<GeneratorNet>& net() { return net_; }
  int64_t width() const { return net_->width(); }
  std::string arch() const { return net_->arch(); }

  // BN running statistics := the batch statistics of one seeded batch of 512 (balanced classes) in train
  // mode: the "standing statistics" of the current weights (used for the EMA generator before it is saved).
  void calibrate_batch_norm(uint64_t seed);

 private:
  explicit BuiltinGenerator(std::shared_ptr<GeneratorNet> net) : net_(std::move(net)) {}
  std::shared_ptr<GeneratorNet> net_;
  torch::Device device_ = torch::kCPU;
};

// Writes the architecture attributes and every parameter and buffer under /generator.
void save_builtin_generator(BuiltinGenerator& generator, const std::string& path);

// Resolution must be 4 * 2^k with k >= 1; throws InputError naming the value otherwise.
// (generator.arch is checked by make_generator_net.)
GeneratorInfo builtin_info(const GeneratorSection& section);

}  // namespace synthview::gen
