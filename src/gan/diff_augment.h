// Differentiable augmentation for the discriminator (DiffAugment, Zhao et al. 2020): every image D sees,
// real and fake, in D's update and in G's, is transformed by the same policy with gradients flowing through
// to G. Parameters come from the counter RNG keyed by the draw index (stream kUser + 23), so the real and the
// fake image of one draw get the same transform, and a resumed run the same as a straight one.
//   translation: shift by integers dx, dy uniform in [-side/8, side/8], pixels shifted in are -1 (black);
//   cutout:      a square of side/2 (centre uniform over the image, clipped at the border) set to -1.
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/rng.h"

namespace synthview::gan {

// policy: "none", "translation", "cutout" or "translation,cutout" (the gan.diffaugment values).
// images [B, C, S, S] in [-1, 1], draws int64 [B].
torch::Tensor diff_augment(const torch::Tensor& images, const std::string& policy, const CounterRng& rng,
                           const torch::Tensor& draws);

// The parts, for tests: shifts int64 [B, 2] (dx, dy); centres int64 [B, 2] (x, y); size = square side.
torch::Tensor translate(const torch::Tensor& images, const torch::Tensor& shifts);
torch::Tensor cutout(const torch::Tensor& images, const torch::Tensor& centres, int64_t size);

}  // namespace synthview::gan
