#include "optim/state_tensors.h"

#include <map>

#include "core/error.h"
#include "optim/lars.h"
#include "optim/param_state_key.h"

namespace synthview::optim {

namespace {

using torch::optim::AdamWParamState;
using torch::optim::SGDParamState;

enum class Kind { kMomentum, kAdamW };

Kind kind_of(const torch::optim::Optimizer& optimizer) {
  if (dynamic_cast<const torch::optim::SGD*>(&optimizer) || dynamic_cast<const Lars*>(&optimizer)) {
    return Kind::kMomentum;
  }
  if (dynamic_cast<const torch::optim::AdamW*>(&optimizer)) return Kind::kAdamW;
  throw Error("optimizer state: only SGD, LARS and AdamW are supported");
}

torch::Tensor copy(const torch::Tensor& t) { return t.detach().clone(); }

// The named entries not yet consumed, taken one by one as parameters claim them.
class Entries {
 public:
  explicit Entries(const NamedTensors& entries) {
    for (const auto& [name, tensor] : entries) {
      if (!remaining_.emplace(name, tensor).second) throw InputError(synthview::str("optimizer state '", name, "' appears twice"));
    }
  }

  // The entry "<param_name>/<field>" converted to the parameter's device and dtype, if present.
  std::optional<torch::Tensor> take(const std::string& param_name, const std::string& field,
                                    const torch::Tensor& param) {
    auto found = remaining_.find(param_name + "/" + field);
    if (found == remaining_.end()) return std::nullopt;
    torch::Tensor tensor = found->second;
    remaining_.erase(found);
    if (field == "step") return tensor;
    if (tensor.sizes() != param.sizes()) {
      throw InputError(synthview::str("optimizer state '", param_name, "/", field, "' has shape ", tensor.sizes(),
                           " but the parameter has shape ", param.sizes()));
    }
    return tensor.detach().to(param.device(), param.scalar_type(), /*non_blocking=*/false, /*copy=*/true);
  }

  void expect_all_used() const {
    if (remaining_.empty()) return;
    std::string names;
    for (const auto& entry : remaining_) names += (names.empty() ? "" : ", ") + entry.first;
    throw InputError(synthview::str("optimizer state names no parameter or state of this optimizer: ", names));
  }

 private:
  std::map<std::string, torch::Tensor> remaining_;
};

}  // namespace

NamedTensors state_tensors(const torch::optim::Optimizer& optimizer, const NamedParameters& params) {
  kind_of(optimizer);
  const auto& state = optimizer.state();
  NamedTensors out;
  for (const auto& param : params) {
    auto found = state.find(param_state_key(state, param.value()));
    if (found == state.end()) continue;
    const torch::optim::OptimizerParamState* entry = found->second.get();
    const std::string& name = param.key();
    if (const auto* sgd = dynamic_cast<const SGDParamState*>(entry)) {
      out.emplace_back(name + "/momentum_buffer", copy(sgd->momentum_buffer()));
    } else if (const auto* lars = dynamic_cast<const LarsParamState*>(entry)) {
      out.emplace_back(name + "/momentum_buffer", copy(lars->momentum_buffer()));
    } else if (const auto* adamw = dynamic_cast<const AdamWParamState*>(entry)) {
      SV_CHECK(!adamw->max_exp_avg_sq().defined(), "AMSGrad state is not saved");
      out.emplace_back(name + "/exp_avg", copy(adamw->exp_avg()));
      out.emplace_back(name + "/exp_avg_sq", copy(adamw->exp_avg_sq()));
      out.emplace_back(name + "/step", torch::tensor(adamw->step(), torch::kInt64));
    } else {
      throw Error(synthview::str("optimizer state of '", name, "' has an unsupported type"));
    }
  }
  return out;
}

void load_state_tensors(torch::optim::Optimizer& optimizer, const NamedParameters& params,
                        const NamedTensors& named_entries) {
  const Kind kind = kind_of(optimizer);
  const bool is_lars = dynamic_cast<const Lars*>(&optimizer) != nullptr;
  Entries entries(named_entries);
  auto& state = optimizer.state();
  state.clear();
  for (const auto& param : params) {
    const std::string& name = param.key();
    const torch::Tensor& p = param.value();
    std::unique_ptr<torch::optim::OptimizerParamState> loaded;
    if (kind == Kind::kMomentum) {
      std::optional<torch::Tensor> buffer = entries.take(name, "momentum_buffer", p);
      if (!buffer) continue;
      if (is_lars) {
        loaded = std::make_unique<LarsParamState>(LarsParamState().momentum_buffer(*buffer));
      } else {
        auto sgd = std::make_unique<SGDParamState>();
        sgd->momentum_buffer(*buffer);
        loaded = std::move(sgd);
      }
    } else {
      std::optional<torch::Tensor> exp_avg = entries.take(name, "exp_avg", p);
      std::optional<torch::Tensor> exp_avg_sq = entries.take(name, "exp_avg_sq", p);
      std::optional<torch::Tensor> step = entries.take(name, "step", p);
      if (!exp_avg && !exp_avg_sq && !step) continue;
      if (!exp_avg || !exp_avg_sq || !step) {
        throw InputError(synthview::str("AdamW state of '", name, "' is incomplete: needs exp_avg, exp_avg_sq and step"));
      }
      auto adamw = std::make_unique<AdamWParamState>();
      adamw->exp_avg(*exp_avg);
      adamw->exp_avg_sq(*exp_avg_sq);
      adamw->step(step->item<int64_t>());
      loaded = std::move(adamw);
    }
    state[param_state_key(state, p)] = std::move(loaded);
  }
  entries.expect_all_used();
}

}  // namespace synthview::optim
