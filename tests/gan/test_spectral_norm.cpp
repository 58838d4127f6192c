// Spectral normalisation: the power iteration finds the largest singular value (SVD reference).
#include <gtest/gtest.h>

#include "gan/spectral_norm.h"

namespace synthview::gan {
namespace {

TEST(SpectralNorm, PowerIterationMatchesSvd) {
  torch::manual_seed(3);
  torch::Tensor w = torch::randn({6, 2, 3, 3}, torch::kFloat64);  // a conv weight: matrix [6, 18]
  torch::Tensor u = torch::randn({6}, torch::kFloat64), v = torch::randn({18}, torch::kFloat64);
  u /= u.norm();
  v /= v.norm();
  torch::Tensor normalized = spectral_normalize(w, u, v, 200, /*update=*/true);
  const double largest = torch::linalg_svdvals(w.reshape({6, -1}))[0].item<double>();
  EXPECT_NEAR((w.flatten() / normalized.flatten())[0].item<double>(), largest, 1e-9 * largest);
  EXPECT_NEAR(torch::linalg_svdvals(normalized.reshape({6, -1}))[0].item<double>(), 1.0, 1e-9);
}

TEST(SpectralNorm, EvalModeKeepsVectorsAndGradientFlowsThroughSigma) {
  SNWeight weight(std::vector<int64_t>{4, 5});
  {
    torch::NoGradGuard no_grad;
    weight->weight.copy_(torch::arange(20, torch::kFloat32).view({4, 5}).sin());
  }
  weight->eval();
  torch::Tensor u0 = weight->u.clone();
  weight->normalized();
  EXPECT_TRUE(torch::equal(weight->u, u0));
  weight->train();
  for (int i = 0; i < 50; ++i) weight->normalized();
  EXPECT_FALSE(torch::equal(weight->u, u0));
  // d sigma(W) / dW = u v^T: the normalised weight's spectral norm is invariant to scaling W.
  torch::Tensor out = weight->normalized();
  EXPECT_NEAR(torch::linalg_svdvals(out.detach())[0].item<double>(), 1.0, 1e-4);
  out.sum().backward();
  EXPECT_TRUE(weight->weight.grad().defined());
}

}  // namespace
}  // namespace synthview::gan
