#include "optim/optimizer.h"

#include "core/error.h"
#include "optim/lars.h"
#include "optim/lr_schedule.h"

namespace synthview::optim {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimSection& section, const NamedParameters& params,
                                                        int64_t global_batch) {
  std::vector<torch::Tensor> trainable;
  for (const auto& param : params) {
    if (param.value().requires_grad()) trainable.push_back(param.value());
  }
  const double lr = scaled_lr(section.lr, section.lr_scaling, global_batch);
  if (section.name == "sgd") {
    return std::make_unique<torch::optim::SGD>(
        trainable, torch::optim::SGDOptions(lr).momentum(section.momentum).weight_decay(section.weight_decay));
  }
  if (section.name == "lars") {
    return std::make_unique<Lars>(
        trainable,
        LarsOptions(lr).momentum(section.momentum).weight_decay(section.weight_decay).eta(section.lars_eta));
  }
  if (section.name == "adamw") {
    return std::make_unique<torch::optim::AdamW>(trainable,
                                                 torch::optim::AdamWOptions(lr).weight_decay(section.weight_decay));
  }
  throw InputError(str("unknown optim.name '", section.name, "': expected sgd, lars or adamw"));
}

void set_lr(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace synthview::optim
