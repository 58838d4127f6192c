// The data source: a generator turns latents (and class ids) into images. Two kinds, picked by
// generator.kind: the built-in conditional DCGAN (builtin_generator.h) and any TorchScript module
// (torchscript_generator.h), e.g. an exported BigGAN or StyleGAN2 (docs/generators.md).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>

#include "core/config.h"

namespace synthview::gen {

struct GeneratorInfo {
  int64_t latent_dim = 0;
  int64_t num_classes = 0;  // 0 = unconditional
  int64_t channels = 0;     // 1 or 3
  int64_t resolution = 0;   // square images of resolution x resolution
};

class Generator {
 public:
  virtual ~Generator() = default;
  virtual const GeneratorInfo& info() const = 0;
  // z: [B, latent_dim] float; class_ids: [B] int64 in [0, num_classes) (ignored when unconditional).
  // Returns float32 [B, channels, resolution, resolution] in [-1, 1] on device(), without autograd.
  virtual torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& class_ids) = 0;
  virtual void to(torch::Device device) = 0;
  virtual torch::Device device() const = 0;
};

// generator.kind = builtin: HDF5 weights from generator.path, or a random init (generator.arch) from the seed when
// the path is empty; torchscript: the module at generator.path (required).
std::shared_ptr<Generator> make_generator(const Config& config, torch::Device device);

}  // namespace synthview::gen
