// The scorer's figures against references: Frechet distance of Gaussians with known moments (closed forms,
// including non-commuting covariances), precision/recall/density/coverage on hand-built point sets and
// against a brute-force loop, pairwise correlation against a pair-by-pair computation; the small CNN trains
// deterministically and learns a separable task.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "gan/class_accuracy.h"
#include "gan/feature_cnn.h"
#include "gan/sample_metrics.h"

namespace synthview::gan {
namespace {

torch::Tensor f64(std::vector<double> values) { return torch::tensor(values, torch::kFloat64); }

TEST(FrechetDistance, DiagonalGaussiansClosedForm) {
  // FD = |mu1 - mu2|^2 + sum (sqrt(a_i) - sqrt(b_i))^2 for diagonal covariances a, b.
  torch::Tensor a = f64({1.0, 4.0, 9.0}), b = f64({4.0, 1.0, 9.0});
  const double fd = frechet_distance(f64({0, 0, 1}), torch::diag(a), f64({3, 0, 0}), torch::diag(b));
  EXPECT_NEAR(fd, 9 + 1 + 1 + 1 + 0, 1e-9);
  EXPECT_NEAR(frechet_distance(f64({1, 2}), torch::eye(2, torch::kFloat64), f64({1, 2}), torch::eye(2, torch::kFloat64)),
              0, 1e-9);
}

TEST(FrechetDistance, NonCommutingCovariances) {
  // For 2x2 SPD S1, S2: Tr sqrt(S1^1/2 S2 S1^1/2) = sqrt(tr(S1 S2) + 2 sqrt(det(S1 S2))).
  torch::Tensor s1 = torch::tensor({{2.0, 0.5}, {0.5, 1.0}}, torch::kFloat64);
  torch::Tensor s2 = torch::tensor({{1.0, -0.3}, {-0.3, 3.0}}, torch::kFloat64);
  torch::Tensor product = torch::mm(s1, s2);
  const double cross = std::sqrt(product.trace().item<double>() + 2 * std::sqrt(torch::det(product).item<double>()));
  const double expected = 0.25 + 1.0 + 3.0 + 4.0 - 2 * cross;  // |(0.5, -1)|^2 + tr S1 + tr S2 - 2 cross
  EXPECT_NEAR(frechet_distance(f64({0.5, 0}), s1, f64({0, 1}), s2), expected, 1e-9);
}

TEST(FrechetDistance, FromSamplesApproachesTheMoments) {
  torch::manual_seed(0);
  torch::Tensor x = torch::randn({200000, 2}, torch::kFloat64);
  torch::Tensor y = torch::randn({200000, 2}, torch::kFloat64) * torch::tensor({2.0, 1.0}, torch::kFloat64) + 1.0;
  // Means (0,0) vs (1,1), covariances I vs diag(4, 1): FD = 2 + (1 - 2)^2 + 0 = 3.
  EXPECT_NEAR(frechet_distance(x, y), 3.0, 0.05);
}

// Brute force from the definitions, for comparison.
Fidelity fidelity_loops(const torch::Tensor& real, const torch::Tensor& fake, int64_t k) {
  auto radii = [k](const torch::Tensor& x) {
    std::vector<double> out;
    for (int64_t i = 0; i < x.size(0); ++i) {
      std::vector<double> d;
      for (int64_t j = 0; j < x.size(0); ++j) {
        if (j != i) d.push_back((x[i] - x[j]).norm().item<double>());
      }
      std::sort(d.begin(), d.end());
      out.push_back(d[k - 1]);
    }
    return out;
  };
  std::vector<double> rr = radii(real), rf = radii(fake);
  const int64_t n = real.size(0), m = fake.size(0);
  double precision = 0, recall = 0, density = 0, coverage = 0;
  for (int64_t j = 0; j < m; ++j) {
    bool in_any = false;
    for (int64_t i = 0; i < n; ++i) {
      const bool in = (fake[j] - real[i]).norm().item<double>() <= rr[i];
      in_any |= in;
      density += in;
    }
    precision += in_any;
  }
  for (int64_t i = 0; i < n; ++i) {
    bool covered = false, recalled = false;
    for (int64_t j = 0; j < m; ++j) {
      const double d = (fake[j] - real[i]).norm().item<double>();
      covered |= d <= rr[i];
      recalled |= d <= rf[j];
    }
    coverage += covered;
    recall += recalled;
  }
  return {precision / m, recall / n, density / (k * m), coverage / n};
}

TEST(Fidelity, HandBuiltPointSets) {
  torch::Tensor real = f64({0, 1, 2, 3}).unsqueeze(1);
  // Real balls (k=1) all have radius 1. Fakes 0.5 and 2.9 sit in two real balls each, 10 and 20 in none;
  // the fake balls (radii 2.4, 2.4, 7.1, 10) hold every real point.
  Fidelity a = fidelity(real, f64({0.5, 10, 2.9, 20}).unsqueeze(1), 1);
  EXPECT_DOUBLE_EQ(a.precision, 0.5);
  EXPECT_DOUBLE_EQ(a.recall, 1.0);
  EXPECT_DOUBLE_EQ(a.density, 1.0);
  EXPECT_DOUBLE_EQ(a.coverage, 1.0);
  // Fakes crowd at 0.2, 0.3: fake balls 0.1, 0.1, 9.7, 10 miss real 0; real balls of 2 and 3 hold no fake.
  Fidelity b = fidelity(real, f64({0.2, 0.3, 10, 20}).unsqueeze(1), 1);
  EXPECT_DOUBLE_EQ(b.precision, 0.5);
  EXPECT_DOUBLE_EQ(b.recall, 0.75);
  EXPECT_DOUBLE_EQ(b.density, 1.0);
  EXPECT_DOUBLE_EQ(b.coverage, 0.5);
}

TEST(Fidelity, MatchesBruteForceOnRandomSets) {
  torch::manual_seed(1);
  torch::Tensor real = torch::randn({40, 3}, torch::kFloat64);
  torch::Tensor fake = torch::randn({30, 3}, torch::kFloat64) * 0.7 + 0.4;
  for (int64_t k : {1, 3, 5}) {
    Fidelity got = fidelity(real, fake, k), want = fidelity_loops(real, fake, k);
    EXPECT_NEAR(got.precision, want.precision, 1e-12) << k;
    EXPECT_NEAR(got.recall, want.recall, 1e-12) << k;
    EXPECT_NEAR(got.density, want.density, 1e-12) << k;
    EXPECT_NEAR(got.coverage, want.coverage, 1e-12) << k;
  }
  EXPECT_THROW(fidelity(real, fake.slice(0, 0, 3), 3), Error);
}

TEST(PairwiseCorrelation, MatchesPairByPairPearson) {
  torch::manual_seed(2);
  torch::Tensor base = torch::randn({1, 1, 4, 4}, torch::kFloat64);
  torch::Tensor images = base + 0.8 * torch::randn({6, 1, 4, 4}, torch::kFloat64);
  double sum = 0;
  int pairs = 0;
  for (int64_t i = 0; i < 6; ++i) {
    for (int64_t j = i + 1; j < 6; ++j) {
      torch::Tensor a = images[i].flatten(), b = images[j].flatten();
      a = a - a.mean();
      b = b - b.mean();
      sum += (a * b).sum().item<double>() / std::sqrt((a * a).sum().item<double>() * (b * b).sum().item<double>());
      ++pairs;
    }
  }
  EXPECT_NEAR(mean_pairwise_correlation(images.to(torch::kFloat32)), sum / pairs, 1e-6);
  // One template with brightness/contrast changes only: correlation 1.
  torch::Tensor scaled = base * torch::tensor({1.0, 2.0, 0.5}, torch::kFloat64).view({3, 1, 1, 1}) + 0.3;
  EXPECT_NEAR(mean_pairwise_correlation(scaled), 1.0, 1e-12);
}

TEST(FeatureCnn, DeterministicAndLearnsASeparableTask) {
  // Class 0: a bright left half; class 1: a bright right half (16 px, plus noise).
  torch::manual_seed(3);
  torch::Tensor labels = torch::arange(256, torch::kInt64) % 2;
  torch::Tensor images = torch::full({256, 1, 16, 16}, -1.0f);
  images.index_put_({labels.eq(0), torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(0, 8)}, 1.0f);
  images.index_put_({labels.eq(1), torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(8, 16)}, 1.0f);
  images = images + 0.3 * torch::randn_like(images);
  FeatureCnn a = train_feature_cnn(images, labels, 2, 40, 11), b = train_feature_cnn(images, labels, 2, 40, 11);
  EXPECT_TRUE(torch::equal(cnn_features(a, images), cnn_features(b, images)));
  EXPECT_EQ(cnn_features(a, images).sizes(), torch::IntArrayRef({256, 128}));
  EXPECT_GT(accuracy(cnn_predict(a, images), labels), 0.95);
  const std::vector<double> per_class = class_accuracy(cnn_predict(a, images), labels, 3);
  EXPECT_GT(per_class[0], 0.9);
  EXPECT_TRUE(std::isnan(per_class[2]));  // no image of class 2
}

}  // namespace
}  // namespace synthview::gan
