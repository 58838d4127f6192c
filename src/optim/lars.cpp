#include "optim/lars.h"

#include "core/error.h"
#include "optim/param_state_key.h"

namespace synthview::optim {

Lars::Lars(std::vector<torch::Tensor> params, const LarsOptions& defaults)
    : torch::optim::Optimizer({torch::optim::OptimizerParamGroup(std::move(params))},
                              std::make_unique<LarsOptions>(defaults)) {
  SV_CHECK(defaults.lr() >= 0 && defaults.momentum() >= 0 && defaults.weight_decay() >= 0 && defaults.eta() > 0,
           "invalid LARS options");
}

torch::Tensor Lars::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    torch::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const LarsOptions&>(group.options());
    for (auto& param : group.params()) {
      if (!param.grad().defined()) continue;
      torch::Tensor update = param.grad();
      if (param.dim() > 1) {
        const double wd = options.weight_decay();
        torch::Tensor w_norm = param.norm();
        torch::Tensor g_norm = update.norm();
        torch::Tensor trust = torch::where(w_norm.gt(0).logical_and(g_norm.gt(0)),
                                           options.eta() * w_norm / (g_norm + wd * w_norm), torch::ones_like(w_norm));
        update = (update + wd * param) * trust;
      }
      if (options.momentum() != 0) {
        auto& slot = state_[param_state_key(state_, param)];
        if (!slot) {
          auto fresh = std::make_unique<LarsParamState>();
          fresh->momentum_buffer(update.clone());
          slot = std::move(fresh);
        } else {
          static_cast<LarsParamState&>(*slot).momentum_buffer().mul_(options.momentum()).add_(update);
        }
        update = static_cast<LarsParamState&>(*slot).momentum_buffer();
      }
      param.add_(update, -options.lr());
    }
  }
  return loss;
}

}  // namespace synthview::optim
