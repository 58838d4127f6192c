// Any generator exported to TorchScript (tools/export_generator.py, docs/generators.md).
// Contract: forward(z) for unconditional or forward(z, y) for class-conditional modules, z float32
// [B, latent_dim], y int64 [B] class indices; returns float images [B, C, H, H] in [-1, 1], C in {1, 3}.
// Integer attributes `latent_dim` and `num_classes` on the module override generator.latent_dim and
// generator.num_classes. Loading runs a probe batch and rejects (InputError) a module whose output
// has the wrong shape, dtype, non-finite values or a range outside [-1, 1].
#pragma once

#include <torch/script.h>

#include <string>

#include "gen/generator.h"

namespace synthview::gen {

// The probe's checks on a generator's output for `batch` latents of size `latent_dim`: returns the
// channels and resolution it shows, or throws InputError naming `path` and what is wrong.
struct ImageShape {
  int64_t channels = 0;
  int64_t resolution = 0;
};
ImageShape check_probe_output(const torch::Tensor& images, int64_t batch, int64_t latent_dim, const std::string& path);

class TorchScriptGenerator : public Generator {
 public:
  // `fallback` supplies latent_dim / num_classes when the module has no such attributes.
  TorchScriptGenerator(const std::string& path, const GeneratorSection& fallback, torch::Device device);

  const GeneratorInfo& info() const override { return info_; }
  torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& class_ids) override;
  void to(torch::Device device) override;
  torch::Device device() const override { return device_; }

 private:
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& class_ids);

  std::string path_;
  torch::jit::Module module_;
  bool conditional_ = false;  // forward takes y
  GeneratorInfo info_;
  torch::Device device_;
};

}  // namespace synthview::gen
