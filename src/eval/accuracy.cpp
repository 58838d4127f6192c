#include "eval/accuracy.h"

#include "core/error.h"

namespace synthview::eval {

Accuracy topk_accuracy(const torch::Tensor& scores, const torch::Tensor& labels) {
  SV_CHECK(scores.dim() == 2 && labels.dim() == 1 && scores.size(0) == labels.size(0) && scores.size(0) > 0,
           "scores ", scores.sizes(), " and labels ", labels.sizes(), " do not match");
  const int64_t k = std::min<int64_t>(5, scores.size(1));
  torch::Tensor ranked = std::get<1>(scores.topk(k, /*dim=*/1));
  torch::Tensor hits = ranked.eq(labels.to(ranked.device()).unsqueeze(1));
  const double n = static_cast<double>(labels.size(0));
  return {hits.select(1, 0).sum().item<double>() / n, hits.any(1).sum().item<double>() / n};
}

}  // namespace synthview::eval
