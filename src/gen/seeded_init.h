// Seeded weight initialisation shared by the builtin generators and the GAN discriminators: every value is
// drawn from the counter RNG (stream kModelInit), so a net starts the same on every rank and device.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>

#include "core/rng.h"

namespace synthview::gen {

// What one parameter starts as: N(0, std^2) when std > 0, else every element `fill`.
struct InitRule {
  double std = 0;
  double fill = 0;
};
using InitRuleFn = std::function<InitRule(const std::string& name, const torch::Tensor& parameter)>;

// Parameter number n (in named_parameters() order, counted from `first_number`), element i, is drawn at
// counter index (n << 32) + i. Returns the number after the last parameter (a free counter range).
int64_t seeded_init(torch::nn::Module& module, const CounterRng& rng, const InitRuleFn& rule, int64_t first_number = 0);

}  // namespace synthview::gen
