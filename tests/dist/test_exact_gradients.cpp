// Invariant 3 (exact gradients across ranks): a small conv encoder with SyncBatchNorm + projection head +
// NT-Xent over gathered embeddings, trained on W ranks with local batch b, gives the same parameter
// gradients as one process with batch W*b over the same inputs. Every rank builds the full input, computes
// the single-process reference itself, and its own slice through the distributed path (all_gather_with_grad,
// SyncBatchNorm, GradientReducer). Inputs are random per row (rank-asymmetric); the distributed model starts
// from a rank-dependent init and is fixed by broadcast_module. Two steps (reducer reuse, updated BN stats).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "dist/gather.h"
#include "dist/gradient_reducer.h"
#include "dist/sync_batch_norm.h"
#include "test_support.h"

namespace synthview::dist::testing {
namespace {

using NormFactory = std::function<torch::nn::AnyModule(int64_t)>;

torch::nn::Sequential build_model(const NormFactory& norm, uint64_t seed, torch::ScalarType dtype) {
  torch::manual_seed(seed);
  torch::nn::Sequential model;
  model->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3).padding(1).bias(false)));
  model->push_back(norm(8));
  model->push_back(torch::nn::ReLU());
  model->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 12, 3).stride(2).padding(1).bias(false)));
  model->push_back(norm(12));
  model->push_back(torch::nn::ReLU());
  model->push_back(torch::nn::AdaptiveAvgPool2d(1));
  model->push_back(torch::nn::Flatten());
  // Projection head; no bias before a norm (its gradient is exactly zero, so nothing to compare).
  model->push_back(torch::nn::Linear(torch::nn::LinearOptions(12, 16).bias(false)));
  model->push_back(norm(16));
  model->push_back(torch::nn::ReLU());
  model->push_back(torch::nn::Linear(16, 6));
  model->to(dtype);
  return model;
}

// Plain batch norm (a SyncBatchNorm2d without communicator is torch::batch_norm).
NormFactory local_norm() {
  return [](int64_t channels) { return torch::nn::AnyModule(SyncBatchNorm2d(nullptr, channels)); };
}

// NT-Xent (SimCLR) for n local anchor pairs against the gathered 2N keys; `offset` is the global index of the
// first local anchor. Mean over the 2n local anchors.
torch::Tensor nt_xent(const torch::Tensor& z1, const torch::Tensor& z2, const torch::Tensor& all1,
                      const torch::Tensor& all2, int64_t offset, double temperature) {
  const int64_t n = z1.size(0), total = all1.size(0);
  namespace F = torch::nn::functional;
  auto anchors = F::normalize(torch::cat({z1, z2}), F::NormalizeFuncOptions().dim(1));
  auto keys = F::normalize(torch::cat({all1, all2}), F::NormalizeFuncOptions().dim(1));
  auto logits = anchors.mm(keys.t()) / temperature;
  auto local = torch::arange(n, torch::kLong) + offset;
  auto self = torch::cat({local, local + total});
  auto positive = torch::cat({local + total, local});
  auto mask = torch::zeros_like(logits, torch::kBool).scatter_(1, self.unsqueeze(1), true);
  return F::cross_entropy(logits.masked_fill(mask, -std::numeric_limits<double>::infinity()), positive);
}

struct Case {
  torch::ScalarType dtype;
  double tolerance;
  int64_t bucket_bytes;
  bool overlap;
  // An extra parameter, an offset added to the embeddings of rank 1's anchors only (the reference adds it
  // to those rows). Registered last, it is the reducer's first bucket: rank 1 alone can start its buckets
  // during backward, while every rank is still issuing SyncBatchNorm's and the gather's collectives.
  bool rank1_only_parameter = false;
};

void check_case(const Case& c) {
  const int world = comm().size(), me = comm().rank();
  constexpr int64_t kLocal = 3;
  const int64_t total = world * kLocal;
  const std::string label = synthview::str(c10::toString(c.dtype), " bucket ", c.bucket_bytes, " B overlap ",
                                           c.overlap);

  auto reference = build_model(local_norm(), 1234, c.dtype);
  auto distributed = build_model(sync_batch_norm_factory(comm_ptr()), 1234 + 17 * me, c.dtype);
  broadcast_module(comm(), *distributed);
  const auto offset_options = torch::TensorOptions().dtype(c.dtype).requires_grad(true);
  auto reference_offset = torch::linspace(-0.5, 0.5, 6, offset_options.requires_grad(false)).requires_grad_();
  auto offset = reference_offset.detach().clone().requires_grad_();
  auto parameters = distributed->parameters();
  if (c.rank1_only_parameter) parameters.push_back(offset);
  GradientReducer reducer(comm_ptr(), parameters, c.bucket_bytes, c.overlap);
  if (c.bucket_bytes < 1024 && world > 1) {
    EXPECT_GT(reducer.bucket_count(), 3u) << label;
  }

  for (int step = 0; step < 2; ++step) {
    comm().set_step(step);
    torch::manual_seed(99 + step);  // the same full batch on every rank
    const auto options = torch::TensorOptions().dtype(c.dtype);
    auto view1 = torch::randn({total, 3, 7, 7}, options);
    auto view2 = view1 + 0.3 * torch::randn({total, 3, 7, 7}, options);

    // Single process, batch W*b.
    for (auto& p : reference->parameters()) p.mutable_grad() = torch::Tensor();
    reference_offset.mutable_grad() = torch::Tensor();
    auto z = reference->forward(torch::cat({view1, view2}));
    if (c.rank1_only_parameter) {
      auto rank1_rows = torch::zeros({total, 1}, options);
      rank1_rows.narrow(0, kLocal, kLocal).fill_(1);
      z = z + torch::cat({rank1_rows, rank1_rows}) * reference_offset;
    }
    auto z1 = z.narrow(0, 0, total), z2 = z.narrow(0, total, total);
    nt_xent(z1, z2, z1, z2, 0, 0.2).backward();

    // This rank's slice through the distributed path.
    for (auto& p : distributed->parameters()) p.mutable_grad() = torch::Tensor();
    auto mine = [&](const torch::Tensor& t) { return t.narrow(0, me * kLocal, kLocal); };
    offset.mutable_grad() = torch::Tensor();
    auto local_z = distributed->forward(torch::cat({mine(view1), mine(view2)}));
    if (c.rank1_only_parameter && me == 1) local_z = local_z + offset;
    auto local1 = local_z.narrow(0, 0, kLocal), local2 = local_z.narrow(0, kLocal, kLocal);
    auto all1 = all_gather_with_grad(comm(), local1), all2 = all_gather_with_grad(comm(), local2);
    nt_xent(local1, local2, all1, all2, me * kLocal, 0.2).backward();
    reducer.finish();
    if (c.overlap && world > 1 && (!c.rank1_only_parameter || me == 1)) {
      EXPECT_GT(reducer.last_overlapped_buckets(), 0) << label << ": no bucket started during backward";
    }

    auto reference_params = reference->named_parameters();
    double worst = 0;
    std::string worst_name;
    for (const auto& item : distributed->named_parameters()) {
      const double error = max_relative_error(item.value().grad(), reference_params[item.key()].grad());
      if (error > worst) worst = error, worst_name = item.key();
    }
    if (c.rank1_only_parameter) {
      const double error = max_relative_error(offset.grad(), reference_offset.grad());
      if (error > worst) worst = error, worst_name = "rank 1's offset";
    }
    if (me == 0) {
      std::printf("[ exact    ] %s step %d: worst relative gradient error %.3g (%s)\n", label.c_str(), step, worst,
                  worst_name.c_str());
    }
    EXPECT_ON_ALL_RANKS(worst <= c.tolerance, synthview::str(label, " step ", step, ": gradient of ", worst_name,
                                                             " off by ", worst, " (relative)"));
    // SGD step on the reference; the distributed model continues from the SAME parameters (float32 drift
    // after a step would otherwise be compared as if it were a gradient error).
    torch::NoGradGuard no_grad;
    for (auto& p : reference->parameters()) p.sub_(p.grad(), 0.5);
    for (auto& item : distributed->named_parameters()) item.value().copy_(reference_params[item.key()]);
    if (c.rank1_only_parameter) offset.copy_(reference_offset.sub_(reference_offset.grad(), 0.5));
  }
  auto reference_buffers = reference->named_buffers();
  double buffer_error = 0;
  for (const auto& item : distributed->named_buffers()) {
    buffer_error = std::max(buffer_error, max_relative_error(item.value(), reference_buffers[item.key()]));
  }
  EXPECT_ON_ALL_RANKS(buffer_error <= c.tolerance, synthview::str(label, ": running stats off by ", buffer_error));
}

TEST(ExactGradients, Float64BucketedWithOverlap) { check_case({torch::kDouble, 1e-10, 200, true}); }
TEST(ExactGradients, Float64BucketedWithoutOverlap) { check_case({torch::kDouble, 1e-10, 200, false}); }
TEST(ExactGradients, Float64OneBucket) { check_case({torch::kDouble, 1e-10, 25 << 20, true}); }
TEST(ExactGradients, Float32BucketedWithOverlap) { check_case({torch::kFloat, 1e-5, 200, true}); }
TEST(ExactGradients, Float32OneBucketWithoutOverlap) { check_case({torch::kFloat, 1e-5, 25 << 20, false}); }

// Issue 11: gradient buckets started from rank 1's hooks must not interleave with the collectives that
// SyncBatchNorm's and the gather's backward issue on every rank (a single shared ordering gave wrong sums,
// an MPI error or a hang). The reference is one process holding every rank's rows.
TEST(ExactGradients, ParameterUsedOnRank1OnlyWithSyncBatchNorm) {
  if (comm().size() < 2) GTEST_SKIP() << "needs a rank 1";
  check_case({torch::kDouble, 1e-10, 200, true, true});
  check_case({torch::kFloat, 1e-5, 64, true, true});
}

// Parameters without a gradient (unused everywhere, or used on rank 0 only) must not block the reducer:
// they contribute zeros, and every rank ends with the same averaged .grad.
TEST(GradientReducer, ParametersWithoutGradientDoNotDeadlock) {
  const int world = comm().size(), me = comm().rank();
  auto used = torch::full({5}, 1.0, torch::kDouble).requires_grad_(true);
  auto rank0_only = torch::full({3}, 1.0, torch::kDouble).requires_grad_(true);
  auto unused = torch::full({4}, 1.0, torch::kDouble).requires_grad_(true);
  GradientReducer reducer(comm_ptr(), {used, rank0_only, unused}, 8, true);
  auto loss = (used * (me + 1)).sum();
  if (me == 0) loss = loss + (rank0_only * 3).sum();
  loss.backward();
  reducer.finish();
  const double mean_rank_factor = (world + 1) / 2.0;
  bool ok = torch::allclose(used.grad(), torch::full({5}, mean_rank_factor, torch::kDouble)) &&
            torch::allclose(rank0_only.grad(), torch::full({3}, 3.0 / world, torch::kDouble)) &&
            torch::equal(unused.grad(), torch::zeros({4}, torch::kDouble));
  EXPECT_ON_ALL_RANKS(ok, "averaged gradients with missing contributions");
  EXPECT_EQ(reducer.bucket_count(), 3u);
}

TEST(GradientReducer, DisabledBackwardAccumulatesIntoTheNextSynchronisedOne) {
  const int world = comm().size(), me = comm().rank();
  auto weight = torch::zeros({4}, torch::kDouble).requires_grad_(true);
  GradientReducer reducer(comm_ptr(), {weight}, 1 << 20, true);
  reducer.set_enabled(false);
  (weight * (me + 1)).sum().backward();  // local only
  reducer.set_enabled(true);
  (weight * 10).sum().backward();
  reducer.finish();
  const double expected = (world + 1) / 2.0 + 10;
  EXPECT_ON_ALL_RANKS(torch::allclose(weight.grad(), torch::full({4}, expected, torch::kDouble)), "accumulation");
}

}  // namespace
}  // namespace synthview::dist::testing
