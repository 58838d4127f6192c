#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"

using namespace synthview;

namespace {

torch::Tensor range(int64_t first, int64_t count) { return torch::arange(first, first + count, torch::kInt64); }

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Kolmogorov-Smirnov statistic of samples against a CDF.
template <typename Cdf>
double ks_statistic(torch::Tensor samples, Cdf cdf) {
  torch::Tensor sorted = std::get<0>(samples.flatten().sort());
  auto values = sorted.accessor<double, 1>();
  int64_t n = sorted.size(0);
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    double f = cdf(values[i]);
    worst = std::max({worst, std::abs(f - double(i) / n), std::abs(f - double(i + 1) / n)});
  }
  return worst;
}

}  // namespace

TEST(Rng, Hash32MatchesScalarReference) {
  // lowbias32 on uint32_t, computed the ordinary way.
  auto reference = [](uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
  };
  std::vector<int64_t> inputs = {0, 1, 2, 12345, 0x7FFFFFFF, 0x80000000LL, 0xFFFFFFFFLL, 0xDEADBEEFLL};
  torch::Tensor hashed = hash32(torch::tensor(inputs, torch::kInt64));
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(hashed[i].item<int64_t>(), static_cast<int64_t>(reference(static_cast<uint32_t>(inputs[i]))))
        << inputs[i];
  }
}

TEST(Rng, UniformAndNormalStatistics) {
  CounterRng rng(7);
  const int64_t n = 1000000;
  torch::Tensor u = rng.uniform(RngStream::kUser, range(0, n), 1);
  EXPECT_GT(u.min().item<double>(), 0.0);
  EXPECT_LT(u.max().item<double>(), 1.0);
  EXPECT_NEAR(u.mean().item<double>(), 0.5, 5 * std::sqrt(1.0 / 12 / n));
  // KS critical value at alpha = 0.001 is 1.95 / sqrt(n).
  EXPECT_LT(ks_statistic(u, [](double x) { return x; }), 1.95 / std::sqrt(double(n)));

  torch::Tensor z = rng.normal(RngStream::kUser, range(0, n), 1);
  EXPECT_NEAR(z.mean().item<double>(), 0.0, 5.0 / std::sqrt(double(n)));
  EXPECT_NEAR(z.var().item<double>(), 1.0, 5 * std::sqrt(2.0 / n));
  EXPECT_LT(ks_statistic(z, normal_cdf), 1.95 / std::sqrt(double(n)));
}

TEST(Rng, TruncatedNormalRespectsBoundsAndLaw) {
  CounterRng rng(3);
  const int64_t n = 200000;
  for (double bound : {0.5, 1.0, 2.0}) {
    torch::Tensor t = rng.truncated_normal(RngStream::kAnchorLatent, range(0, n / 4), 4, bound);
    EXPECT_GE(t.min().item<double>(), -bound);
    EXPECT_LE(t.max().item<double>(), bound);
    double mass = normal_cdf(bound) - normal_cdf(-bound);
    auto cdf = [&](double x) { return (normal_cdf(x) - normal_cdf(-bound)) / mass; };
    EXPECT_LT(ks_statistic(t, cdf), 1.95 / std::sqrt(double(n))) << "bound " << bound;
    // Variance of the truncated standard normal: 1 - 2 b phi(b) / mass.
    double phi = std::exp(-bound * bound / 2) / std::sqrt(2 * M_PI);
    EXPECT_NEAR(t.var().item<double>(), 1 - 2 * bound * phi / mass, 0.01) << "bound " << bound;
  }
}

TEST(Rng, ReproducibleAndIndependentOfBatchComposition) {
  CounterRng rng(42);
  torch::Tensor all = rng.normal(RngStream::kAnchorLatent, range(0, 64), 16);
  EXPECT_TRUE(torch::equal(all, CounterRng(42).normal(RngStream::kAnchorLatent, range(0, 64), 16)));
  // Any subset, in any order, gives the same rows for the same indices.
  torch::Tensor picked = torch::tensor({63, 5, 17, 5}, torch::kInt64);
  torch::Tensor subset = rng.normal(RngStream::kAnchorLatent, picked, 16);
  EXPECT_TRUE(torch::equal(subset, all.index_select(0, picked)));
  // Fewer components are a prefix of more components... not promised; but the same count is.
  EXPECT_FALSE(torch::equal(all, CounterRng(43).normal(RngStream::kAnchorLatent, range(0, 64), 16)));
}

TEST(Rng, StreamsIndicesAndComponentsAreDecorrelated) {
  CounterRng rng(1);
  const int64_t n = 100000;
  torch::Tensor a = rng.normal(RngStream::kAnchorLatent, range(0, n), 2);
  torch::Tensor b = rng.normal(RngStream::kViewDelta, range(0, n), 2);
  torch::Tensor shifted = rng.normal(RngStream::kAnchorLatent, range(1, n), 2);
  auto correlation = [](const torch::Tensor& x, const torch::Tensor& y) {
    torch::Tensor xc = x - x.mean(), yc = y - y.mean();
    return ((xc * yc).mean() / (xc.std() * yc.std())).item<double>();
  };
  double bound = 5.0 / std::sqrt(double(n));
  EXPECT_LT(std::abs(correlation(a.select(1, 0), b.select(1, 0))), bound);         // across streams
  EXPECT_LT(std::abs(correlation(a.select(1, 0), a.select(1, 1))), bound);         // across components
  EXPECT_LT(std::abs(correlation(a.select(1, 0), shifted.select(1, 0))), bound);   // neighbouring indices
  // Indices beyond 2^32 use the high word.
  torch::Tensor low = rng.bits(RngStream::kUser, torch::tensor({5}, torch::kInt64), 4);
  torch::Tensor high = rng.bits(RngStream::kUser, torch::tensor({int64_t{5} + (int64_t{1} << 32)}, torch::kInt64), 4);
  EXPECT_FALSE(torch::equal(low, high));
}

TEST(Rng, IntegersCoverTheRangeEvenly) {
  CounterRng rng(9);
  torch::Tensor values = rng.integers(RngStream::kAnchorClass, range(0, 100000), 1, 10);
  EXPECT_EQ(values.min().item<int64_t>(), 0);
  EXPECT_EQ(values.max().item<int64_t>(), 9);
  torch::Tensor counts = torch::bincount(values.flatten(), {}, 10).to(torch::kFloat64);
  // Chi-square with 9 dof: 27.9 is the 0.001 quantile.
  double chi2 = ((counts - 10000).pow(2) / 10000).sum().item<double>();
  EXPECT_LT(chi2, 27.9);
}

TEST(Rng, SameValuesOnCudaWhenAvailable) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: CPU/CUDA agreement is checked on GPU machines";
  CounterRng rng(11);
  torch::Tensor cpu_bits = rng.bits(RngStream::kUser, range(0, 4096), 8);
  torch::Tensor gpu_bits = rng.bits(RngStream::kUser, range(0, 4096).cuda(), 8).cpu();
  EXPECT_TRUE(torch::equal(cpu_bits, gpu_bits));
  torch::Tensor cpu_normal = rng.truncated_normal(RngStream::kUser, range(0, 4096), 8, 2.0).to(torch::kFloat32);
  torch::Tensor gpu_normal =
      rng.truncated_normal(RngStream::kUser, range(0, 4096).cuda(), 8, 2.0).to(torch::kFloat32).cpu();
  EXPECT_TRUE(torch::allclose(cpu_normal, gpu_normal, 0, 1e-6));
}
