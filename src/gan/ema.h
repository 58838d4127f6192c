// Exponential moving average of the generator's weights (Yazici et al. 2019; BigGAN), the generator used for
// sampling. After G update t (counted from 0 over the whole run):
//   decay_t = min(decay, (1 + t) / (10 + t)),   ema <- decay_t * ema + (1 - decay_t) * weights
// (the warm-up keeps early averages from being dominated by the random init). Buffers (BN statistics) are
// not averaged: the saved average gets standing statistics (BuiltinGenerator::calibrate_batch_norm).
#pragma once

#include <torch/torch.h>

namespace synthview::gan {

double ema_decay(double decay, int64_t update);

// Every parameter of `average` moves toward the same-named parameter of `live` (same architecture).
void ema_update(torch::nn::Module& average, torch::nn::Module& live, double decay, int64_t update);

}  // namespace synthview::gan
