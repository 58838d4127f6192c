// The optimizer's per-parameter state as named tensors, for the HDF5 checkpoint (/optim/<param>/<state>):
//   sgd, lars: "<param>/momentum_buffer"
//   adamw:     "<param>/exp_avg", "<param>/exp_avg_sq", "<param>/step" (int64 scalar)
// Parameters without state yet (before their first step) have no entries. Loading the entries
// into a fresh optimizer over the same parameters continues bit-identically.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "optim/optimizer.h"

namespace synthview::optim {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Copies (not views) of the state, in parameter order.
NamedTensors state_tensors(const torch::optim::Optimizer& optimizer, const NamedParameters& params);

// Replaces the optimizer's state. Entries naming no parameter or state field, shape mismatches and
// incomplete AdamW states are InputErrors naming the entry.
void load_state_tensors(torch::optim::Optimizer& optimizer, const NamedParameters& params,
                        const NamedTensors& entries);

}  // namespace synthview::optim
