#include "gen/seeded_init.h"

namespace synthview::gen {

int64_t seeded_init(torch::nn::Module& module, const CounterRng& rng, const InitRuleFn& rule, int64_t first_number) {
  torch::NoGradGuard no_grad;
  int64_t number = first_number;
  for (auto& item : module.named_parameters()) {
    torch::Tensor& p = item.value();
    const InitRule init = rule(item.key(), p);
    torch::Tensor index = torch::arange(p.numel(), torch::kInt64) + (number++ << 32);
    if (init.std > 0) {
      p.copy_((rng.normal(RngStream::kModelInit, index, 1) * init.std).view(p.sizes()));
    } else {
      p.fill_(init.fill);
    }
  }
  return number;
}

}  // namespace synthview::gen
