// The two networks, their optimizers and the per-update training rules, built identically on every rank
// from the config.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/rng.h"
#include "gan/discriminator.h"
#include "gen/builtin_generator.h"

namespace synthview::gan {

struct GanNets {
  std::shared_ptr<gen::BuiltinGenerator> generator;
  std::shared_ptr<gen::BuiltinGenerator> generator_ema;  // the sampling generator (gan.ema > 0), else null
  std::shared_ptr<DiscriminatorNet> discriminator;
  std::unique_ptr<torch::optim::Optimizer> optim_g, optim_d;
  int64_t n_dis = 1;
  double ema = 0;
  std::string diffaugment = "none";
  CounterRng rng{0};  // the run's seed: DiffAugment parameters
  torch::Device device = torch::kCPU;  // where both nets, their optimizer state and every batch live
};

// Generator architecture from generator.* (arch, latent_dim, num_classes 0 or 10, channels, resolution, width),
// the discriminator of the same arch with width gan.d_width; Adam (AdamW with weight decay 0) with gan.lr_g,
// gan.lr_d (two time-scale updates when they differ), gan.beta1/2; the EMA copy starts equal to G.
// The nets are initialised on the CPU (the same values on every device), then moved to `device`.
GanNets make_gan_nets(const Config& config, torch::Device device = torch::kCPU);

// Gradient averaging over ranks, called between backward and the optimizer step.
using Average = std::function<void(torch::nn::Module&)>;

// One hinge-loss discriminator update on (real, real_labels) vs G(z, fake_classes), both DiffAugmented with
// the draws' parameters; returns the loss. draws int64 [b]: real image i and fake i share draws[i].
torch::Tensor discriminator_update(GanNets& nets, const torch::Tensor& real, const torch::Tensor& real_labels,
                                   const torch::Tensor& z, const torch::Tensor& fake_classes, const torch::Tensor& draws,
                                   const Average& average);
// One generator update against the current discriminator (fakes DiffAugmented as D sees them); returns the loss.
torch::Tensor generator_update(GanNets& nets, const torch::Tensor& z, const torch::Tensor& fake_classes,
                               const torch::Tensor& draws, const Average& average);

}  // namespace synthview::gan
