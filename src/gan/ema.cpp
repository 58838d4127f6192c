#include "gan/ema.h"

#include <algorithm>

#include "core/error.h"

namespace synthview::gan {

double ema_decay(double decay, int64_t update) {
  const auto t = static_cast<double>(update);
  return std::min(decay, (1.0 + t) / (10.0 + t));
}

void ema_update(torch::nn::Module& average, torch::nn::Module& live, double decay, int64_t update) {
  torch::NoGradGuard no_grad;
  const double d = ema_decay(decay, update);
  auto target = average.parameters();
  auto source = live.parameters();
  SV_CHECK(target.size() == source.size(), "EMA: ", target.size(), " averaged parameters vs ", source.size(), " live");
  for (size_t i = 0; i < target.size(); ++i) target[i].mul_(d).add_(source[i].detach(), 1.0 - d);
}

}  // namespace synthview::gan
