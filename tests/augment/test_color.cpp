#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "augment/color.h"

using namespace synthview;

namespace {

using Rgb = std::array<double, 3>;

// Python's colorsys, written out per pixel: an independent reference for the tensor HSV code.
Rgb rgb_to_hsv_ref(Rgb c) {
  double r = c[0], g = c[1], b = c[2];
  double maxc = std::max({r, g, b}), minc = std::min({r, g, b});
  if (maxc == minc) return {0.0, 0.0, maxc};
  double s = (maxc - minc) / maxc;
  double rc = (maxc - r) / (maxc - minc), gc = (maxc - g) / (maxc - minc), bc = (maxc - b) / (maxc - minc);
  double h = r == maxc ? bc - gc : g == maxc ? 2.0 + rc - bc : 4.0 + gc - rc;
  h = std::fmod(h / 6.0 + 1.0, 1.0);
  return {h, s, maxc};
}

Rgb hsv_to_rgb_ref(Rgb c) {
  double h = c[0], s = c[1], v = c[2];
  if (s == 0.0) return {v, v, v};
  int i = static_cast<int>(h * 6.0);
  double f = h * 6.0 - i, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  switch (i % 6) {
    case 0: return {v, t, p};
    case 1: return {q, v, p};
    case 2: return {p, v, t};
    case 3: return {p, q, v};
    case 4: return {t, p, v};
    default: return {v, p, q};
  }
}

Rgb pixel(const torch::Tensor& images, int64_t b, int64_t y, int64_t x) {
  auto a = images.accessor<double, 4>();
  return {a[b][0][y][x], a[b][1][y][x], a[b][2][y][x]};
}

double luma_ref(Rgb c) { return 0.2989 * c[0] + 0.587 * c[1] + 0.114 * c[2]; }

torch::Tensor rgb_images() {
  torch::manual_seed(3);
  return torch::rand({2, 3, 4, 5}, torch::kFloat64);
}

}  // namespace

TEST(Color, BrightnessContrastSaturationFollowTorchvisionFormulas) {
  torch::Tensor images = rgb_images();
  torch::Tensor factor = torch::tensor({0.6, 1.4}, torch::kFloat64);
  torch::Tensor bright = augment::adjust_brightness(images, factor);
  torch::Tensor contrast = augment::adjust_contrast(images, factor);
  torch::Tensor saturation = augment::adjust_saturation(images, factor);
  for (int64_t b = 0; b < 2; ++b) {
    double f = factor[b].item<double>();
    double mean_luma = 0;
    for (int64_t y = 0; y < 4; ++y)
      for (int64_t x = 0; x < 5; ++x) mean_luma += luma_ref(pixel(images, b, y, x)) / 20;
    for (int64_t y = 0; y < 4; ++y) {
      for (int64_t x = 0; x < 5; ++x) {
        Rgb c = pixel(images, b, y, x);
        for (int64_t ch = 0; ch < 3; ++ch) {
          auto clamp01 = [](double v) { return std::min(1.0, std::max(0.0, v)); };
          EXPECT_NEAR(bright[b][ch][y][x].item<double>(), clamp01(f * c[ch]), 1e-12);
          EXPECT_NEAR(contrast[b][ch][y][x].item<double>(), clamp01(f * c[ch] + (1 - f) * mean_luma), 1e-12);
          EXPECT_NEAR(saturation[b][ch][y][x].item<double>(), clamp01(f * c[ch] + (1 - f) * luma_ref(c)), 1e-12);
        }
      }
    }
  }
}

TEST(Color, HueShiftMatchesColorsysReference) {
  torch::Tensor images = rgb_images();
  // Include grey pixels and pure primaries, the branchy cases of the HSV formulas.
  images[0].select(1, 0).select(1, 0).fill_(0.5);
  images[1].select(1, 0).select(1, 0) = torch::tensor({1.0, 0.0, 0.0}, torch::kFloat64);
  images[1].select(1, 1).select(1, 0) = torch::tensor({0.0, 0.7, 0.0}, torch::kFloat64);
  torch::Tensor shift = torch::tensor({0.1, -0.37}, torch::kFloat64);
  torch::Tensor out = augment::adjust_hue(images, shift);
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t y = 0; y < 4; ++y) {
      for (int64_t x = 0; x < 5; ++x) {
        Rgb hsv = rgb_to_hsv_ref(pixel(images, b, y, x));
        hsv[0] = std::fmod(hsv[0] + shift[b].item<double>() + 1.0, 1.0);
        Rgb expected = hsv_to_rgb_ref(hsv);
        for (int64_t ch = 0; ch < 3; ++ch) {
          EXPECT_NEAR(out[b][ch][y][x].item<double>(), expected[ch], 1e-9) << b << " " << y << " " << x;
        }
      }
    }
  }
  // The HSV round trip alone is the identity.
  EXPECT_TRUE(torch::allclose(augment::hsv_to_rgb(augment::rgb_to_hsv(images)), images, 0, 1e-12));
}

TEST(Color, GrayscaleReplacesSelectedImagesByLuma) {
  torch::Tensor images = rgb_images();
  torch::Tensor out = augment::random_grayscale(images, torch::tensor({false, true}));
  EXPECT_TRUE(torch::equal(out[0], images[0]));
  for (int64_t ch = 0; ch < 3; ++ch) {
    EXPECT_NEAR(out[1][ch][2][3].item<double>(), luma_ref(pixel(images, 1, 2, 3)), 1e-12);
  }
}

TEST(Color, JitterAppliesInOrderOnlyWhereSelected) {
  torch::Tensor images = rgb_images();
  auto factors = [](double a, double b) { return torch::tensor({a, b}, torch::kFloat64); };
  torch::Tensor out = augment::color_jitter(images, torch::tensor({true, false}), factors(1.2, 0.5),
                                            factors(0.8, 0.5), factors(1.3, 0.5), factors(0.05, 0.2));
  torch::Tensor expected = augment::adjust_brightness(images, factors(1.2, 0.5));
  expected = augment::adjust_contrast(expected, factors(0.8, 0.5));
  expected = augment::adjust_saturation(expected, factors(1.3, 0.5));
  expected = augment::adjust_hue(expected, factors(0.05, 0.2));
  EXPECT_TRUE(torch::allclose(out[0], expected[0], 0, 1e-12));
  EXPECT_TRUE(torch::equal(out[1], images[1]));
}

TEST(Color, OneChannelImagesOnlyGetBrightnessAndContrast) {
  torch::Tensor gray = torch::rand({2, 1, 3, 3}, torch::kFloat64);
  torch::Tensor factor = torch::tensor({0.7, 1.2}, torch::kFloat64);
  EXPECT_TRUE(torch::equal(augment::adjust_saturation(gray, factor), gray));
  EXPECT_TRUE(torch::equal(augment::adjust_hue(gray, factor), gray));
  EXPECT_TRUE(torch::equal(augment::random_grayscale(gray, torch::tensor({true, true})), gray));
  torch::Tensor mean = gray.mean({1, 2, 3}, true);
  torch::Tensor expected = (factor.view({-1, 1, 1, 1}) * gray + (1 - factor.view({-1, 1, 1, 1})) * mean).clamp(0, 1);
  EXPECT_TRUE(torch::allclose(augment::adjust_contrast(gray, factor), expected, 0, 1e-12));
}
