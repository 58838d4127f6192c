#include "eval/embedding_metrics.h"

#include <cmath>

#include "core/error.h"

namespace synthview::eval {
namespace {

torch::Tensor unit_rows(const torch::Tensor& z) {
  namespace F = torch::nn::functional;
  return F::normalize(z.detach().to(torch::kFloat64), F::NormalizeFuncOptions().dim(1));
}

}  // namespace

double alignment(const torch::Tensor& z1, const torch::Tensor& z2, double alpha) {
  SV_CHECK(z1.dim() == 2 && z1.sizes() == z2.sizes() && z1.size(0) > 0, "alignment needs equal [N, D] embeddings, got ",
           z1.sizes(), " and ", z2.sizes());
  return (unit_rows(z1) - unit_rows(z2.to(z1.device()))).norm(2, 1).pow(alpha).mean().item<double>();
}

double uniformity(const torch::Tensor& z, double t) {
  SV_CHECK(z.dim() == 2 && z.size(0) >= 2, "uniformity needs [N >= 2, D] embeddings, got ", z.sizes());
  torch::Tensor squared = torch::pdist(unit_rows(z), 2).pow(2);
  // log-mean-exp, stable for large t.
  return (torch::logsumexp(squared * -t, 0) - std::log(static_cast<double>(squared.numel()))).item<double>();
}

}  // namespace synthview::eval
