// Class-conditional batch norm (de Vries et al. 2017; SNGAN, BigGAN): batch norm without its own affine,
// then a per-class scale and shift:  y = gain[c] * BN(x) + shift[c].  Running statistics are shared by all
// classes (eval mode uses them, so a sample never depends on its batch). gain starts at 1, shift at 0
// (gen::seeded_init rules of ResNetNet), i.e. plain batch norm.
#pragma once

#include <torch/torch.h>

namespace synthview::gen {

class ConditionalBatchNormImpl : public torch::nn::Module {
 public:
  // classes 0 (unconditional) keeps one row: every input uses class 0.
  ConditionalBatchNormImpl(int64_t features, int64_t classes);
  // x [B, features, H, W], class_ids int64 [B].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& class_ids);

 private:
  torch::nn::BatchNorm2d norm_{nullptr};
  torch::nn::Embedding gain_{nullptr}, shift_{nullptr};
};
TORCH_MODULE(ConditionalBatchNorm);

}  // namespace synthview::gen
