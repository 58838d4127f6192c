// all_gather_with_grad: forward concatenates, backward sums every rank's gradient for this rank's rows.
// Each rank uses a DIFFERENT loss (rank-dependent weights), so returning the local gradient unsummed, or the
// wrong slice, fails.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "dist/gather.h"
#include "test_support.h"

namespace synthview::dist::testing {
namespace {

constexpr int64_t kRows = 3, kCols = 5;

torch::Tensor rows_of(int rank) {
  return torch::arange(kRows * kCols, torch::kDouble).view({kRows, kCols}).mul(0.1 * (rank + 1)).add(rank);
}
// Rank r's loss weights over the gathered [W*kRows, kCols] tensor.
torch::Tensor weights_of(int rank, int world) {
  return torch::arange(world * kRows * kCols, torch::kDouble).view({world * kRows, kCols}).cos().mul(rank + 2);
}

TEST(AllGatherWithGrad, ForwardConcatenatesAndBackwardSumsOwnSlice) {
  const int world = comm().size(), me = comm().rank();
  auto local = rows_of(me).requires_grad_(true);
  auto gathered = all_gather_with_grad(comm(), local);
  // Nonlinear and rank-specific: loss_r = sum(w_r * g^2).
  (weights_of(me, world) * gathered.pow(2)).sum().backward();

  std::vector<torch::Tensor> parts;
  for (int r = 0; r < world; ++r) parts.push_back(rows_of(r));
  auto all_rows = torch::cat(parts);
  auto weight_sum = torch::zeros({world * kRows, kCols}, torch::kDouble);
  for (int r = 0; r < world; ++r) weight_sum += weights_of(r, world);
  auto expected_grad = (2 * weight_sum * all_rows).narrow(0, me * kRows, kRows);

  EXPECT_ON_ALL_RANKS(torch::equal(gathered.detach(), all_rows), "forward");
  EXPECT_ON_ALL_RANKS(local.grad().defined() && max_relative_error(local.grad(), expected_grad) < 1e-14,
                      synthview::str("backward error ", max_relative_error(local.grad(), expected_grad)));
}

TEST(AllGatherWithGrad, FloatGradientFlowsThroughTwoGathers) {
  const int world = comm().size(), me = comm().rank();
  auto local = rows_of(me).to(torch::kFloat).requires_grad_(true);
  auto twice = all_gather_with_grad(comm(), all_gather_with_grad(comm(), local) * 1.0);
  // Each gather sums over ranks on the way back: d/dlocal sum(twice) = world * world.
  twice.sum().backward();
  EXPECT_ON_ALL_RANKS(torch::equal(local.grad(), torch::full({kRows, kCols}, float(world * world))),
                      "double gather gradient");
  EXPECT_EQ(twice.size(0), world * world * kRows);
}

}  // namespace
}  // namespace synthview::dist::testing
