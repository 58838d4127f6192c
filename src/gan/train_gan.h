// `synthview train-generator`: trains the builtin class-conditional generator (gen/builtin_generator.h, of
// architecture generator.arch) as a GAN on real Fashion-MNIST train[0:gan.train_images]. Hinge loss,
// spectrally normalised projection discriminator of the same arch (discriminator.h), Adam for both nets
// (gan.lr_g, gan.lr_d), gan.n_dis discriminator updates per generator update (gan_step.h), optional
// DiffAugment (diff_augment.h) and EMA of G (ema.h; gan.out then holds the EMA).
// Distributed like `train`: parameters broadcast from rank 0, each rank takes its slice of the global batch,
// gradients averaged over ranks before every optimizer step; rank 0 writes gan.out and its resume state.
#pragma once

#include <string>

#include "core/config.h"

namespace synthview::gan {

struct GanRunOptions {
  std::string resume;        // "" (fresh), "auto" (<gan.out>.state.h5 if present) or a state file
  std::string command_line;  // stored in the state file
};

void run_gan_training(const Config& config, const GanRunOptions& options);

}  // namespace synthview::gan
