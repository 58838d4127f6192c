// The parts of the ResNet GAN recipe against direct computations: DiffAugment's translation and cutout
// pixel by pixel (and their gradients), the same transform for the real and the fake image of a draw; the
// EMA against hand values; the ResNet discriminator's shape, projection and spectral norm.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/rng.h"
#include "gan/diff_augment.h"
#include "gan/discriminator.h"
#include "gan/ema.h"

namespace synthview::gan {
namespace {

torch::Tensor ramp(int64_t batch, int64_t channels, int64_t side) {
  return torch::arange(batch * channels * side * side, torch::kFloat32).view({batch, channels, side, side}) /
         (batch * channels * side * side);
}

TEST(DiffAugment, TranslationMatchesAPixelLoop) {
  torch::Tensor x = ramp(3, 2, 6);
  torch::Tensor shifts = torch::tensor({{1, -2}, {0, 0}, {-3, 5}}, torch::kInt64);  // (dx, dy)
  torch::Tensor out = translate(x, shifts);
  for (int64_t b = 0; b < 3; ++b) {
    const int64_t dx = shifts[b][0].item<int64_t>(), dy = shifts[b][1].item<int64_t>();
    for (int64_t c = 0; c < 2; ++c) {
      for (int64_t i = 0; i < 6; ++i) {
        for (int64_t j = 0; j < 6; ++j) {
          const int64_t si = i - dy, sj = j - dx;
          const float expected = (si >= 0 && si < 6 && sj >= 0 && sj < 6) ? x[b][c][si][sj].item<float>() : -1.0f;
          ASSERT_EQ(out[b][c][i][j].item<float>(), expected) << b << c << i << j;
        }
      }
    }
  }
}

TEST(DiffAugment, CutoutMatchesAPixelLoopAndClipsAtTheBorder) {
  torch::Tensor x = ramp(2, 1, 8);
  torch::Tensor centres = torch::tensor({{3, 4}, {0, 7}}, torch::kInt64);  // (x, y)
  torch::Tensor out = cutout(x, centres, 4);
  for (int64_t b = 0; b < 2; ++b) {
    const int64_t x0 = centres[b][0].item<int64_t>() - 2, y0 = centres[b][1].item<int64_t>() - 2;
    for (int64_t i = 0; i < 8; ++i) {
      for (int64_t j = 0; j < 8; ++j) {
        const bool hole = j >= x0 && j < x0 + 4 && i >= y0 && i < y0 + 4;
        ASSERT_EQ(out[b][0][i][j].item<float>(), hole ? -1.0f : x[b][0][i][j].item<float>()) << b << i << j;
      }
    }
  }
  EXPECT_EQ(out[1].eq(-1).sum().item<int64_t>(), 2 * 3);  // x 0..1, y 5..7 inside the image
}

TEST(DiffAugment, GradientReachesExactlyTheKeptPixels) {
  torch::Tensor x = ramp(4, 1, 16).requires_grad_(true);
  const torch::Tensor draws = torch::arange(4, torch::kInt64) + 100;
  torch::Tensor out = diff_augment(x, "translation,cutout", CounterRng(1), draws);
  out.sum().backward();
  // Each output pixel copies at most one input pixel (or is -1): d sum / dx counts the copies, 0 or 1.
  torch::Tensor grad = x.grad();
  EXPECT_TRUE(grad.eq(0).logical_or(grad.eq(1)).all().item<bool>());
  const int64_t kept = out.ne(-1).sum().item<int64_t>();
  EXPECT_EQ(grad.sum().item<double>(), static_cast<double>(kept));
  EXPECT_LT(kept, 4 * 16 * 16);  // something was cut or shifted out
}

TEST(DiffAugment, RealAndFakeOfOneDrawGetTheSameTransform) {
  torch::Tensor a = ramp(5, 1, 32), b = ramp(5, 1, 32).flip(3) * 0.5;
  const torch::Tensor draws = torch::arange(5, torch::kInt64) * 3;
  CounterRng rng(7);
  torch::Tensor both = diff_augment(torch::cat({a, b}), "translation,cutout", rng, torch::cat({draws, draws}));
  EXPECT_TRUE(torch::equal(both.slice(0, 0, 5), diff_augment(a, "translation,cutout", rng, draws)));
  EXPECT_TRUE(torch::equal(both.slice(0, 5), diff_augment(b, "translation,cutout", rng, draws)));
  // The -1 pixels of the cutout sit at the same places in both halves (a and b have no -1 pixels).
  torch::Tensor cut = diff_augment(torch::cat({a, b}), "cutout", rng, torch::cat({draws, draws})).eq(-1);
  EXPECT_TRUE(torch::equal(cut.slice(0, 0, 5), cut.slice(0, 5)));
  EXPECT_EQ(cut.slice(0, 0, 5).sum().item<int64_t>() > 0, true);
  EXPECT_TRUE(torch::equal(diff_augment(a, "none", rng, draws), a));
  EXPECT_FALSE(torch::equal(diff_augment(a, "translation", rng, draws), diff_augment(a, "translation", rng, draws + 1)));
}

TEST(Ema, HandValues) {
  EXPECT_DOUBLE_EQ(ema_decay(0.999, 0), 0.1);
  EXPECT_DOUBLE_EQ(ema_decay(0.999, 8), 0.5);
  EXPECT_DOUBLE_EQ(ema_decay(0.5, 100), 0.5);
  torch::nn::Linear average(2, 1), live(2, 1);
  {
    torch::NoGradGuard no_grad;
    average->weight.fill_(1.0);
    average->bias.fill_(0.0);
    live->weight.fill_(3.0);
    live->bias.fill_(-2.0);
  }
  ema_update(*average, *live, 0.5, 100);  // decay 0.5
  EXPECT_TRUE(torch::allclose(average->weight, torch::full({1, 2}, 2.0f)));
  EXPECT_TRUE(torch::allclose(average->bias, torch::full({1}, -1.0f)));
  ema_update(*average, *live, 0.999, 0);  // decay 0.1
  EXPECT_TRUE(torch::allclose(average->weight, torch::full({1, 2}, 0.1f * 2 + 0.9f * 3)));
}

TEST(ResNetDiscriminator, ShapesProjectionAndSpectralNorm) {
  auto d = make_discriminator("resnet", 1, 32, 10, 16, 5);
  d->eval();
  torch::Tensor x = ramp(4, 1, 32) * 2 - 1;
  torch::Tensor y = torch::tensor({0, 1, 2, 3}, torch::kInt64);
  torch::Tensor scores = d->forward(x, y);
  ASSERT_EQ(scores.sizes(), torch::IntArrayRef({4}));
  EXPECT_FALSE(torch::equal(scores, d->forward(x, torch::tensor({4, 5, 6, 7}, torch::kInt64))));  // projection acts
  auto names = d->named_parameters();
  EXPECT_TRUE(names.contains("block0.conv1.sn.weight"));
  EXPECT_TRUE(names.contains("block0.shortcut.sn.weight"));
  EXPECT_TRUE(names.contains("block2.conv2.sn.weight"));
  EXPECT_FALSE(names.contains("block2.shortcut.sn.weight"));  // identity shortcut without downsampling
  EXPECT_TRUE(names.contains("embed.weight"));
  // After many training-mode forwards the power iteration has converged: every normalised conv has
  // largest singular value 1 (a direct SVD of the same matrix).
  d->train();
  for (int i = 0; i < 60; ++i) d->forward(x, y);
  auto buffers = d->named_buffers();
  for (const auto& name : {"block1.conv1.sn", "block3.conv2.sn"}) {
    torch::Tensor w = names[std::string(name) + ".weight"].detach().to(torch::kFloat64).reshape({16, -1});
    torch::Tensor u = buffers[std::string(name) + ".u"].to(torch::kFloat64);
    torch::Tensor v = buffers[std::string(name) + ".v"].to(torch::kFloat64);
    const double sigma = torch::dot(u, torch::mv(w, v)).item<double>();
    const double largest = std::get<1>(torch::linalg_svd(w, false)).max().item<double>();
    EXPECT_NEAR(sigma / largest, 1.0, 1e-3) << name;
  }
  EXPECT_THROW(make_discriminator("resnet", 1, 8, 10, 16, 5), InputError);
}

}  // namespace
}  // namespace synthview::gan
