// One training step of `train-generator`: gan.n_dis discriminator updates, one generator update, then the
// EMA update of the sampling generator. Update u = step * (n_dis + 1) + k takes its real images, latents,
// fake classes and DiffAugment parameters from the BatchPlan (pure functions of seed and draw index), so
// K steps, a saved state, and M more steps equal K + M steps straight, bit for bit on one CPU thread.
#pragma once

#include <torch/torch.h>

#include "eval/idx.h"
#include "gan/batches.h"
#include "gan/gan_nets.h"

namespace synthview::gan {

struct GanLosses {
  torch::Tensor d;  // the last discriminator update's loss
  torch::Tensor g;
};

// real: uint8 training images [N, H, W] with labels (converted per batch to the generator's input), both on
// the CPU or both on nets.device (then only the batch's indices cross over). Losses are on nets.device.
GanLosses gan_step(GanNets& nets, const BatchPlan& plan, const eval::LabeledImages& real, int64_t step,
                   const Average& average);

}  // namespace synthview::gan
