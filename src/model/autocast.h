// Mixed precision for the encoder's forward pass (train.precision=bf16): while an AutocastGuard is
// alive, convolutions and matmuls on `device` run in bfloat16 and precision-sensitive ops (norms,
// softmax, reductions) stay in float32, as torch.autocast does. Parameters, gradients and the
// optimizer stay float32; backward replays the casts recorded in forward.
#pragma once

#include <torch/torch.h>

namespace synthview::model {

class AutocastGuard {
 public:
  // enabled=false is a no-op, so callers need no branch.
  AutocastGuard(const torch::Device& device, bool enabled, torch::ScalarType dtype = torch::kBFloat16);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_ = false;
  bool cuda_ = false;
  bool previous_enabled_ = false;
  torch::ScalarType previous_dtype_ = torch::kFloat;
};

}  // namespace synthview::model
