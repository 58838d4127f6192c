// The GAN discriminator: spectrally normalised convolutions with projection conditioning
// (Miyato & Koyama 2018):  h = sum-pool(features(x)),  D(x, y) = w^T h + b + <embed(y), h>.
//   [B,1,32,32] -> conv4/2 -> w x16x16 -> lrelu -> conv4/2 -> 2w x8x8 -> lrelu -> conv4/2 -> 4w x4x4 -> lrelu
// (one more conv per doubling of the resolution). Every weight, the embedding included, is spectrally normalised.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "gan/spectral_norm.h"

namespace synthview::gan {

class DiscriminatorImpl : public torch::nn::Module {
 public:
  // resolution 4 * 2^k (k >= 1); weights drawn from the counter RNG with `seed` (same on every rank).
  DiscriminatorImpl(int64_t channels, int64_t resolution, int64_t num_classes, int64_t width, uint64_t seed);
  // images [B, channels, res, res] in [-1, 1], class_ids int64 [B] -> scores [B].
  torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& class_ids);

 private:
  std::vector<SNWeight> convs_;
  std::vector<torch::Tensor> conv_biases_;
  SNWeight linear_{nullptr};
  torch::Tensor linear_bias_;
  SNWeight embed_{nullptr};  // absent when unconditional
};
TORCH_MODULE(Discriminator);

}  // namespace synthview::gan
