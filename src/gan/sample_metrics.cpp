#include "gan/sample_metrics.h"

#include "core/error.h"

namespace synthview::gan {
namespace {

constexpr int64_t kChunk = 1024;  // rows of a distance block: bounds memory at kChunk x N doubles

torch::Tensor as_rows(const torch::Tensor& x) { return x.flatten(1).to(torch::kFloat64); }

// Symmetric PSD square root by eigendecomposition (negative rounding noise clamped to 0).
torch::Tensor sqrt_psd(const torch::Tensor& matrix) {
  auto [values, vectors] = torch::linalg_eigh(matrix);
  return torch::mm(vectors * values.clamp_min(0).sqrt().unsqueeze(0), vectors.t());
}

// Euclidean distances between rows of a [n, D] and rows of b [m, D].
torch::Tensor distances(const torch::Tensor& a, const torch::Tensor& b) { return torch::cdist(a, b); }

// Radius of each row's k-th nearest other row of the same set.
torch::Tensor knn_radii(const torch::Tensor& x, int64_t k) {
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < x.size(0); start += kChunk) {
    torch::Tensor d = distances(x.slice(0, start, start + kChunk), x);
    // k + 1 smallest: the first is the point itself (distance 0).
    parts.push_back(std::get<0>(d.topk(k + 1, 1, /*largest=*/false)).select(1, k));
  }
  return torch::cat(parts);
}

}  // namespace

double mean_pairwise_correlation(const torch::Tensor& images) {
  torch::Tensor x = as_rows(images);
  const int64_t n = x.size(0);
  SV_CHECK(n >= 2, "pairwise correlation needs at least 2 images, got ", n);
  x = x - x.mean(1, true);
  x = x / x.norm(2, 1, true).clamp_min(1e-12);
  // Sum over all ordered pairs of <x_i, x_j> is ||sum_i x_i||^2; the n diagonal terms are 1 each.
  const double all = x.sum(0).pow(2).sum().item<double>();
  const double diagonal = x.pow(2).sum().item<double>();
  return (all - diagonal) / static_cast<double>(n * (n - 1));
}

double frechet_distance(const torch::Tensor& mean1, const torch::Tensor& cov1, const torch::Tensor& mean2,
                        const torch::Tensor& cov2) {
  torch::Tensor m1 = mean1.to(torch::kFloat64), m2 = mean2.to(torch::kFloat64);
  torch::Tensor s1 = cov1.to(torch::kFloat64), s2 = cov2.to(torch::kFloat64);
  torch::Tensor root1 = sqrt_psd(s1);
  torch::Tensor middle = torch::mm(torch::mm(root1, s2), root1);
  middle = (middle + middle.t()) / 2;  // symmetric up to rounding
  const double cross = torch::linalg_eigvalsh(middle).clamp_min(0).sqrt().sum().item<double>();
  return (m1 - m2).pow(2).sum().item<double>() + s1.trace().item<double>() + s2.trace().item<double>() - 2 * cross;
}

double frechet_distance(const torch::Tensor& features1, const torch::Tensor& features2) {
  torch::Tensor a = as_rows(features1), b = as_rows(features2);
  SV_CHECK(a.size(0) >= 2 && b.size(0) >= 2, "Frechet distance needs at least 2 points per set");
  auto moments = [](const torch::Tensor& x, torch::Tensor& mean, torch::Tensor& cov) {
    mean = x.mean(0);
    torch::Tensor centred = x - mean;
    cov = torch::mm(centred.t(), centred) / static_cast<double>(x.size(0) - 1);
  };
  torch::Tensor mean_a, cov_a, mean_b, cov_b;
  moments(a, mean_a, cov_a);
  moments(b, mean_b, cov_b);
  return frechet_distance(mean_a, cov_a, mean_b, cov_b);
}

Fidelity fidelity(const torch::Tensor& real_features, const torch::Tensor& fake_features, int64_t k) {
  torch::Tensor real = as_rows(real_features), fake = as_rows(fake_features);
  SV_CHECK(k >= 1 && k < real.size(0) && k < fake.size(0), "fidelity: k=", k, " needs more than k points per set (",
           real.size(0), " real, ", fake.size(0), " fake)");
  torch::Tensor real_radii = knn_radii(real, k), fake_radii = knn_radii(fake, k);
  torch::Tensor real_in_fake_ball = torch::zeros({real.size(0)}, torch::kBool);
  torch::Tensor real_ball_has_fake = torch::zeros({real.size(0)}, torch::kBool);
  double fakes_in_real_ball = 0, balls_holding = 0;
  for (int64_t start = 0; start < fake.size(0); start += kChunk) {
    torch::Tensor chunk = fake.slice(0, start, start + kChunk);
    torch::Tensor d = distances(chunk, real);                             // [m, N]
    torch::Tensor inside_real = d <= real_radii.unsqueeze(0);            // fake j in real ball i
    torch::Tensor inside_fake = d <= fake_radii.slice(0, start, start + kChunk).unsqueeze(1);  // real i in fake ball j
    fakes_in_real_ball += inside_real.any(1).sum().item<double>();
    balls_holding += inside_real.sum().item<double>();
    real_ball_has_fake |= inside_real.any(0);
    real_in_fake_ball |= inside_fake.any(0);
  }
  const auto n = static_cast<double>(real.size(0)), m = static_cast<double>(fake.size(0));
  Fidelity out;
  out.precision = fakes_in_real_ball / m;
  out.recall = real_in_fake_ball.to(torch::kFloat64).sum().item<double>() / n;
  out.density = balls_holding / (static_cast<double>(k) * m);
  out.coverage = real_ball_has_fake.to(torch::kFloat64).sum().item<double>() / n;
  return out;
}

}  // namespace synthview::gan
