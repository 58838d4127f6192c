// The two networks and their optimizers, built identically on every rank from the config.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>

#include "core/config.h"
#include "gan/discriminator.h"
#include "gen/builtin_generator.h"

namespace synthview::gan {

struct GanNets {
  std::shared_ptr<gen::BuiltinGenerator> generator;
  Discriminator discriminator{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optim_g, optim_d;
};

// Generator architecture from generator.* (latent_dim, num_classes 0 or 10, channels, resolution, width);
// discriminator width gan.d_width; Adam (AdamW with weight decay 0) with gan.lr_*, gan.beta1/2.
GanNets make_gan_nets(const Config& config);

// One hinge-loss discriminator update on (real, real_labels) vs G(z, fake_classes); returns the loss.
// `average` is called between backward and the optimizer step (gradient averaging over ranks).
torch::Tensor discriminator_update(GanNets& nets, const torch::Tensor& real, const torch::Tensor& real_labels,
                                   const torch::Tensor& z, const torch::Tensor& fake_classes,
                                   const std::function<void(torch::nn::Module&)>& average);
// One generator update against the current discriminator; returns the loss.
torch::Tensor generator_update(GanNets& nets, const torch::Tensor& z, const torch::Tensor& fake_classes,
                               const std::function<void(torch::nn::Module&)>& average);

}  // namespace synthview::gan
