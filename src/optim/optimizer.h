// Builds the configured optimizer (optim.name: sgd | lars | adamw) over a model's parameters and
// sets its learning rate. The learning rate itself comes from LrSchedule (lr_schedule.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <torch/torch.h>

#include "core/config.h"

namespace synthview::optim {

using NamedParameters = torch::OrderedDict<std::string, torch::Tensor>;

// sgd:   torch::optim::SGD, momentum optim.momentum, weight decay optim.weight_decay on every parameter.
// lars:  Lars (lars.h): trust ratio with optim.lars_eta, no adaptation or weight decay for 1-D tensors.
// adamw: torch::optim::AdamW, betas (0.9, 0.999), eps 1e-8, decoupled weight decay optim.weight_decay.
// Parameters with requires_grad false are left out. The initial lr is the scaled peak lr
// (scaled_lr); the trainer sets the scheduled lr before every step.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimSection& section, const NamedParameters& params,
                                                        int64_t global_batch);

// Sets the lr of every parameter group.
void set_lr(torch::optim::Optimizer& optimizer, double lr);

}  // namespace synthview::optim
