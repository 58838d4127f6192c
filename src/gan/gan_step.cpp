#include "gan/gan_step.h"

#include "eval/images.h"
#include "gan/ema.h"

namespace synthview::gan {

GanLosses gan_step(GanNets& nets, const BatchPlan& plan, const eval::LabeledImages& real, int64_t step,
                   const Average& average) {
  const gen::GeneratorInfo& info = nets.generator->info();
  const int64_t updates_per_step = nets.n_dis + 1;
  GanLosses losses;
  for (int64_t k = 0; k < nets.n_dis; ++k) {
    const int64_t update = step * updates_per_step + k;
    torch::Tensor index = plan.real_indices(update, real.images.size(0));
    torch::Tensor images = eval::to_encoder_input(real.images.index_select(0, index), info.channels, info.resolution);
    torch::Tensor labels = info.num_classes > 0 ? real.labels.index_select(0, index) : torch::zeros_like(index);
    losses.d = discriminator_update(nets, images, labels, plan.latents(update, info.latent_dim),
                                    plan.classes(update, info.num_classes), plan.draws(update), average);
  }
  const int64_t update = step * updates_per_step + nets.n_dis;
  losses.g = generator_update(nets, plan.latents(update, info.latent_dim), plan.classes(update, info.num_classes),
                              plan.draws(update), average);
  if (nets.generator_ema) ema_update(*nets.generator_ema->net(), *nets.generator->net(), nets.ema, step);
  return losses;
}

}  // namespace synthview::gan
