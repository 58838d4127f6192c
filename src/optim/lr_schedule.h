// Learning rate per step: the base lr scaled by the global batch, a linear warmup, then a cosine
// decay to 0 at total_steps.
//
//   peak = base_lr * scale,  scale = B / 256 (linear, Goyal et al.), sqrt(B / 256) (sqrt), 1 (none)
//   lr(s) = peak * (s + 1) / warmup                                   for s < warmup
//   lr(s) = peak * 0.5 * (1 + cos(pi * (s - warmup) / (total - warmup)))  for warmup <= s <= total
// s is the 0-based index of the optimizer step about to be taken; B the global batch (anchors).
#pragma once

#include <cstdint>
#include <string>

#include "core/config.h"

namespace synthview::optim {

// base_lr scaled by `rule` (linear | sqrt | none) for a global batch; unknown rules are InputErrors.
double scaled_lr(double base_lr, const std::string& rule, int64_t global_batch);

class LrSchedule {
 public:
  LrSchedule(double base_lr, const std::string& scaling, int64_t global_batch, int64_t warmup_steps,
             int64_t total_steps);
  // optim.lr, optim.lr_scaling and optim.warmup_steps.
  LrSchedule(const OptimSection& section, int64_t global_batch, int64_t total_steps);

  double at(int64_t step) const;
  double peak_lr() const { return peak_; }

 private:
  double peak_;
  int64_t warmup_;
  int64_t total_;
};

}  // namespace synthview::optim
