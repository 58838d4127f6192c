// Tensor-by-tensor comparison of two checkpoints (`synthview ckpt diff`).
#pragma once

#include <string>
#include <vector>

#include "ckpt/checkpoint.h"

namespace synthview::ckpt {

struct TensorDiff {
  std::string name;     // full path: model/encoder/conv1.weight, optim/<param>/<state>, rng/<name>
  bool comparable = true;  // false when shape or dtype differ (max_abs/max_rel then meaningless)
  double max_abs = 0;   // max |a - b|; NaN in both at the same place counts as equal, NaN vs number as inf
  double max_rel = 0;   // max |a - b| / max(|a|, |b|) (0 where both are 0)
  double norm_rel = 0;  // ||a - b|| / max(||a||, ||b||): float rounding stays near epsilon here even where
                        // single elements near zero have a large max_rel
  bool within = true;   // tol == rtol == 0: bit-identical; else max_abs <= tol (tol > 0) and norm_rel <= rtol (rtol > 0)
};

struct CheckpointDiff {
  std::vector<TensorDiff> tensors;  // names present in both, sorted
  std::vector<std::string> only_in_a, only_in_b;
  std::vector<std::string> state_differences;  // "step: 100 vs 120", "samples_drawn: ..."

  // Same names and, for each, the same shape and dtype.
  bool same_tensor_set() const;
  // same_tensor_set() and every tensor and the step/samples_drawn state within tolerance.
  bool all_within() const;
};

TensorDiff diff_tensors(const std::string& name, const torch::Tensor& a, const torch::Tensor& b, double tol,
                        double rtol = 0);

// Compares model, buffer, optimizer and rng tensors plus step and samples_drawn; metadata, config and
// metric history (which holds timings) are not compared.
CheckpointDiff diff_checkpoints(const Checkpoint& a, const Checkpoint& b, double tol, double rtol = 0);

// Every tensor of a checkpoint with its full path (as diff reports it), sorted by name.
NamedTensors all_tensors(const Checkpoint& checkpoint);

}  // namespace synthview::ckpt
