// The GAN discriminators, both with projection conditioning (Miyato & Koyama 2018) and every weight, the class
// embedding included, spectrally normalised:  h = sum-pool(features(x)),  D(x, y) = w^T h + b + <embed(y), h>.
//   dcgan (generator.arch=dcgan): [B,1,32,32] -> conv4/2 -> w x16x16 -> lrelu -> conv4/2 -> 2w x8x8 -> lrelu
//         -> conv4/2 -> 4w x4x4 -> lrelu (one more conv per doubling of the resolution)
//   resnet: resnet_discriminator.h
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "gan/spectral_norm.h"

namespace synthview::gan {

class DiscriminatorNet : public torch::nn::Module {
 public:
  // images [B, channels, res, res] in [-1, 1], class_ids int64 [B] -> scores [B].
  virtual torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& class_ids) = 0;
};

// The projection head shared by both: w^T h + b (+ <embed(y), h> when conditional), on a module's own
// parameters "linear" (SN [1, C]), "linear_bias" and "embed" (SN [classes, C]).
class ProjectionHead {
 public:
  void build(torch::nn::Module& owner, int64_t features, int64_t num_classes);
  torch::Tensor score(const torch::Tensor& h, const torch::Tensor& class_ids);

 private:
  SNWeight linear_{nullptr};
  torch::Tensor linear_bias_;
  SNWeight embed_{nullptr};  // absent when unconditional
};

class DcganDiscriminator : public DiscriminatorNet {
 public:
  // resolution 4 * 2^k (k >= 1).
  DcganDiscriminator(int64_t channels, int64_t resolution, int64_t num_classes, int64_t width);
  torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& class_ids) override;

 private:
  std::vector<SNWeight> convs_;
  std::vector<torch::Tensor> conv_biases_;
  ProjectionHead head_;
};

// The discriminator for generator architecture `arch`, weights drawn from the counter RNG with `seed` (same
// on every rank): N(0, 1/fan_in) per weight (the scale only sets Adam's effective step: SN divides it out),
// biases 0.
std::shared_ptr<DiscriminatorNet> make_discriminator(const std::string& arch, int64_t channels, int64_t resolution,
                                                     int64_t num_classes, int64_t width, uint64_t seed);

}  // namespace synthview::gan
