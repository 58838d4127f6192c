#include "gan/gan_step.h"

#include "eval/images.h"
#include "gan/ema.h"

namespace synthview::gan {

GanLosses gan_step(GanNets& nets, const BatchPlan& plan, const eval::LabeledImages& real, int64_t step,
                   const Average& average) {
  const gen::GeneratorInfo& info = nets.generator->info();
  const int64_t updates_per_step = nets.n_dis + 1;
  const torch::Device device = nets.device;
  GanLosses losses;
  for (int64_t k = 0; k < nets.n_dis; ++k) {
    const int64_t update = step * updates_per_step + k;
    // Indices, latents and classes come from the counter RNG on the CPU, then go where the nets are
    // (no-ops on the CPU); the real images are wherever the caller keeps them (train_gan: on the device).
    // DiffAugment keys its parameters by the draws on the CPU.
    torch::Tensor index = plan.real_indices(update, real.images.size(0)).to(real.images.device());
    torch::Tensor images = eval::to_encoder_input(real.images.index_select(0, index), info.channels, info.resolution);
    torch::Tensor labels = info.num_classes > 0 ? real.labels.index_select(0, index) : torch::zeros_like(index);
    torch::Tensor z = plan.latents(update, info.latent_dim).to(device);
    losses.d = discriminator_update(nets, images.to(device), labels.to(device), z,
                                    plan.classes(update, info.num_classes).to(device), plan.draws(update), average);
  }
  const int64_t update = step * updates_per_step + nets.n_dis;
  losses.g = generator_update(nets, plan.latents(update, info.latent_dim).to(device),
                              plan.classes(update, info.num_classes).to(device), plan.draws(update), average);
  if (nets.generator_ema) ema_update(*nets.generator_ema->net(), *nets.generator->net(), nets.ema, step);
  return losses;
}

}  // namespace synthview::gan
