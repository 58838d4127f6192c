#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "../support/run_python.h"
#include "core/error.h"
#include "loss/contrastive_loss.h"

using namespace synthview;

namespace {

const auto kF64 = torch::dtype(torch::kDouble);

torch::Tensor unit(const torch::Tensor& x) {
  return torch::nn::functional::normalize(x, torch::nn::functional::NormalizeFuncOptions().dim(-1));
}

// The hand-worked batch: anchor 0 has views u0=(1,0), u1=(0.6,0.8); anchor 1 has u2=(0,1), u3=(-1,0).
torch::Tensor hand_batch() { return torch::tensor({1.0, 0.0, 0.6, 0.8, 0.0, 1.0, -1.0, 0.0}, kF64).view({2, 2, 2}); }

// A loss as a function of raw (unnormalised) features [N, V, d], full batch on one process.
using LossOf = std::function<torch::Tensor(const torch::Tensor&)>;

// Central finite differences of `loss` at x (float64).
torch::Tensor numeric_gradient(const LossOf& loss, const torch::Tensor& x, double eps = 1e-6) {
  torch::NoGradGuard no_grad;
  torch::Tensor grad = torch::zeros_like(x);
  torch::Tensor flat_x = x.view(-1);
  auto g = grad.view(-1);
  for (int64_t i = 0; i < flat_x.numel(); ++i) {
    torch::Tensor plus = x.clone(), minus = x.clone();
    plus.view(-1)[i] += eps;
    minus.view(-1)[i] -= eps;
    g[i] = (loss(plus).item<double>() - loss(minus).item<double>()) / (2 * eps);
  }
  return grad;
}

torch::Tensor autograd_gradient(const LossOf& loss, const torch::Tensor& x) {
  torch::Tensor leaf = x.clone().requires_grad_(true);
  loss(leaf).backward();
  return leaf.grad();
}

// The mean over W slices of each slice's loss, each slice scoring its anchors against the full batch.
torch::Tensor sliced_mean(const torch::Tensor& embeddings, int64_t world,
                          const std::function<torch::Tensor(const torch::Tensor&, int64_t)>& slice_loss) {
  const int64_t b = embeddings.size(0) / world;
  torch::Tensor total = torch::zeros({}, embeddings.options());
  for (int64_t r = 0; r < world; ++r) total = total + slice_loss(embeddings.narrow(0, r * b, b), r * b);
  return total / world;
}

}  // namespace

TEST(NtXent, HandComputedTwoAnchorsTwoViews) {
  // Temperature 0.5, so logits are 2 * cosine. Each row: -(positive logit) + log sum over non-self.
  const double row0 = -1.2 + std::log(std::exp(1.2) + std::exp(0.0) + std::exp(-2.0));   // u0: u1 | u2, u3
  const double row1 = -1.2 + std::log(std::exp(1.2) + std::exp(1.6) + std::exp(-1.2));  // u1: u0 | u2, u3
  const double row2 = -0.0 + std::log(std::exp(0.0) + std::exp(0.0) + std::exp(1.6));   // u2: u3 | u0, u1
  const double row3 = -0.0 + std::log(std::exp(0.0) + std::exp(-2.0) + std::exp(-1.2));  // u3: u2 | u0, u1
  torch::Tensor z = hand_batch();
  EXPECT_NEAR(loss::nt_xent(z, z, 0, 0.5).item<double>(), (row0 + row1 + row2 + row3) / 4, 1e-12);
  // Rank 1 of 2 owns anchor 1 only: its loss is the mean of rows 2 and 3.
  EXPECT_NEAR(loss::nt_xent(z.narrow(0, 1, 1), z, 1, 0.5).item<double>(), (row2 + row3) / 2, 1e-12);
  // Nearest non-self: u0->u1 (positive), u1->u2, u2->u1, u3->u2 (positive).
  EXPECT_DOUBLE_EQ(loss::contrastive_top1(z, z, 0).item<double>(), 0.5);
  EXPECT_DOUBLE_EQ(loss::contrastive_top1(z.narrow(0, 1, 1), z, 1).item<double>(), 0.5);
}

TEST(SupCon, HandComputedSameAndDifferentLabels) {
  torch::Tensor z = hand_batch();
  // Different labels: same positives as SimCLR.
  torch::Tensor different = torch::tensor({3, 7});
  EXPECT_NEAR(loss::supcon(z, z, 0, different, different, 0.5).item<double>(),
              loss::nt_xent(z, z, 0, 0.5).item<double>(), 1e-12);
  // One label for both anchors: every other row is a positive, l_i = lse_i - mean of its three logits.
  const double row0 = std::log(std::exp(1.2) + std::exp(0.0) + std::exp(-2.0)) - (1.2 + 0.0 - 2.0) / 3;
  const double row1 = std::log(std::exp(1.2) + std::exp(1.6) + std::exp(-1.2)) - (1.2 + 1.6 - 1.2) / 3;
  const double row2 = std::log(std::exp(0.0) + std::exp(0.0) + std::exp(1.6)) - (0.0 + 1.6 + 0.0) / 3;
  const double row3 = std::log(std::exp(0.0) + std::exp(-2.0) + std::exp(-1.2)) - (0.0 - 2.0 - 1.2) / 3;
  torch::Tensor same = torch::tensor({4, 4});
  EXPECT_NEAR(loss::supcon(z, z, 0, same, same, 0.5).item<double>(), (row0 + row1 + row2 + row3) / 4, 1e-12);
}

TEST(NtXent, StableForSmallTemperatures) {
  // Logits of 1/T = 1e4 overflow exp() in float32 without log-sum-exp.
  torch::Tensor z = unit(torch::randn({4, 2, 8}));
  torch::Tensor value = loss::nt_xent(z, z, 0, 1e-4);
  EXPECT_TRUE(std::isfinite(value.item<double>()));
}

TEST(Losses, GradientsMatchFiniteDifferences) {
  torch::manual_seed(11);
  torch::Tensor x = torch::randn({3, 3, 4}, kF64);
  torch::Tensor labels = torch::tensor({1, 0, 1});
  const std::vector<std::pair<std::string, LossOf>> losses = {
      {"nt_xent", [](const torch::Tensor& f) { return loss::nt_xent(unit(f), unit(f), 0, 0.3); }},
      {"supcon", [&](const torch::Tensor& f) { return loss::supcon(unit(f), unit(f), 0, labels, labels, 0.3); }},
      // Rank 1 of 3: its anchor's rows against the whole batch (gradient reaches every sample).
      {"nt_xent slice", [](const torch::Tensor& f) { return loss::nt_xent(unit(f).narrow(0, 1, 1), unit(f), 1, 0.3); }},
  };
  for (const auto& [name, loss_of] : losses) {
    torch::Tensor analytic = autograd_gradient(loss_of, x);
    torch::Tensor numeric = numeric_gradient(loss_of, x);
    EXPECT_TRUE(torch::allclose(analytic, numeric, 1e-6, 1e-8))
        << name << " max diff " << (analytic - numeric).abs().max().item<double>();
  }
}

TEST(Losses, SlicesAveragedOverRanksEqualTheFullBatch) {
  // W = 3 ranks with b = 2 anchors each, 3 views: rank-asymmetric data (no two slices alike).
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({6, 3, 5}, kF64) * torch::arange(1, 7, kF64).view({6, 1, 1});
  const torch::Tensor labels = torch::tensor({0, 2, 2, 1, 0, 2});
  const double t = 0.2;
  const std::vector<std::pair<std::string, LossOf>> full = {
      {"nt_xent", [&](const torch::Tensor& f) { return loss::nt_xent(unit(f), unit(f), 0, t); }},
      {"supcon", [&](const torch::Tensor& f) { return loss::supcon(unit(f), unit(f), 0, labels, labels, t); }}};
  const std::vector<LossOf> sliced = {
      [&](const torch::Tensor& f) {
        torch::Tensor z = unit(f);
        return sliced_mean(z, 3, [&](const torch::Tensor& local, int64_t offset) {
          return loss::nt_xent(local, z, offset, t);
        });
      },
      [&](const torch::Tensor& f) {
        torch::Tensor z = unit(f);
        return sliced_mean(z, 3, [&](const torch::Tensor& local, int64_t offset) {
          return loss::supcon(local, z, offset, labels.narrow(0, offset, local.size(0)), labels, t);
        });
      }};
  for (size_t i = 0; i < full.size(); ++i) {
    EXPECT_NEAR(full[i].second(x).item<double>(), sliced[i](x).item<double>(), 1e-12) << full[i].first;
    EXPECT_TRUE(torch::allclose(autograd_gradient(full[i].second, x), autograd_gradient(sliced[i], x), 1e-10, 1e-12))
        << full[i].first;
  }
}

TEST(Losses, MatchPytorchReferenceImplementation) {
  torch::manual_seed(5);
  const int64_t n = 5, v = 3, d = 6;
  const double t = 0.1;
  torch::Tensor x = torch::randn({n, v, d}, kF64);
  torch::Tensor labels = torch::tensor({2, 0, 2, 1, 0});

  char path[] = "/tmp/synthview-supcon-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream out(path);
    out.precision(17);
    out << n << " " << v << " " << d << " " << t << "\n";
    for (double value : std::vector<double>(x.data_ptr<double>(), x.data_ptr<double>() + x.numel())) out << value << " ";
    for (int64_t i = 0; i < n; ++i) out << labels[i].item<int64_t>() << " ";
  }
  test_support::PythonResult python = test_support::run_python(std::string(SYNTHVIEW_TEST_DIR) + "/supcon_reference.py", path);
  std::remove(path);
  if (python.unavailable()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch (apt-get install python3-torch)";
  ASSERT_EQ(python.exit_code, 0) << python.output;

  std::istringstream in(python.output);
  const std::vector<std::pair<std::string, LossOf>> ours = {
      {"nt_xent", [&](const torch::Tensor& f) { return loss::nt_xent(unit(f), unit(f), 0, t); }},
      {"supcon", [&](const torch::Tensor& f) { return loss::supcon(unit(f), unit(f), 0, labels, labels, t); }}};
  for (const auto& [name, loss_of] : ours) {
    double reference_loss;
    ASSERT_TRUE(in >> reference_loss) << python.output;
    std::vector<double> reference_grad(x.numel());
    for (double& g : reference_grad) ASSERT_TRUE(in >> g) << python.output;
    EXPECT_NEAR(loss_of(x).item<double>(), reference_loss, 1e-12 * std::abs(reference_loss)) << name;
    EXPECT_TRUE(torch::allclose(autograd_gradient(loss_of, x), torch::tensor(reference_grad, kF64).view({n, v, d}),
                                1e-9, 1e-12))
        << name;
  }
}

TEST(Losses, NonPositiveTemperatureIsInputError) {
  torch::Tensor z = hand_batch();
  torch::Tensor labels = torch::tensor({0, 1});
  for (double t : {0.0, -0.1}) {
    EXPECT_THROW(loss::nt_xent(z, z, 0, t), InputError);
    EXPECT_THROW(loss::supcon(z, z, 0, labels, labels, t), InputError);
  }
  try {
    loss::nt_xent(z, z, 0, -0.5);
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("-0.5"), std::string::npos) << e.what();
  }
}
