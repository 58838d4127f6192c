#include "optim/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace synthview::optim {

double scaled_lr(double base_lr, const std::string& rule, int64_t global_batch) {
  if (global_batch < 1) throw InputError(str("global batch must be >= 1 to scale the lr, got ", global_batch));
  const double ratio = static_cast<double>(global_batch) / 256.0;
  if (rule == "linear") return base_lr * ratio;
  if (rule == "sqrt") return base_lr * std::sqrt(ratio);
  if (rule == "none") return base_lr;
  throw InputError(str("unknown optim.lr_scaling '", rule, "': expected linear, sqrt or none"));
}

LrSchedule::LrSchedule(double base_lr, const std::string& scaling, int64_t global_batch, int64_t warmup_steps,
                       int64_t total_steps)
    : peak_(scaled_lr(base_lr, scaling, global_batch)), warmup_(warmup_steps), total_(total_steps) {
  if (warmup_steps < 0) throw InputError(str("optim.warmup_steps must be >= 0, got ", warmup_steps));
  if (total_steps < 1) throw InputError(str("train.steps must be >= 1, got ", total_steps));
}

LrSchedule::LrSchedule(const OptimSection& section, int64_t global_batch, int64_t total_steps)
    : LrSchedule(section.lr, section.lr_scaling, global_batch, section.warmup_steps, total_steps) {}

double LrSchedule::at(int64_t step) const {
  SV_CHECK(step >= 0, "negative step ", step);
  if (step < warmup_) return peak_ * static_cast<double>(step + 1) / static_cast<double>(warmup_);
  const int64_t decay_steps = total_ - warmup_;
  if (decay_steps <= 0) return peak_;  // warmup fills the whole run
  const double progress = std::min(1.0, static_cast<double>(step - warmup_) / static_cast<double>(decay_steps));
  return peak_ * 0.5 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace synthview::optim
