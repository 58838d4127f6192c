#include <gtest/gtest.h>

#include <cmath>

#include "augment/pipeline.h"

using namespace synthview;

namespace {

torch::Tensor draws(std::vector<int64_t> values) { return torch::tensor(values, torch::kInt64); }

}  // namespace

TEST(AugmentParams, DependOnlyOnDrawAndView) {
  AugmentSection section;
  CounterRng rng(11);
  auto a = augment::draw_params(section, rng, draws({5, 6, 7}), 1, 32, 32);
  auto b = augment::draw_params(section, rng, draws({7, 5}), 1, 32, 32);
  EXPECT_TRUE(torch::equal(a.boxes[2], b.boxes[0]));
  EXPECT_TRUE(torch::equal(a.boxes[0], b.boxes[1]));
  EXPECT_TRUE(torch::equal(a.hue[2], b.hue[0]));
  auto other_view = augment::draw_params(section, rng, draws({5, 6, 7}), 2, 32, 32);
  EXPECT_FALSE(torch::equal(a.boxes, other_view.boxes));
}

TEST(AugmentParams, RespectRangesAndProbabilities) {
  AugmentSection section;  // scale 0.2..1, flip 0.5, jitter 0.8, gray 0.2, (0.4, 0.4, 0.4, 0.1)
  CounterRng rng(2);
  const int64_t n = 20000;
  const double height = 24, width = 32;
  auto p = augment::draw_params(section, rng, torch::arange(n, torch::kInt64), 0, 24, 32);
  torch::Tensor top = p.boxes.select(1, 0), left = p.boxes.select(1, 1);
  torch::Tensor box_h = p.boxes.select(1, 2), box_w = p.boxes.select(1, 3);
  EXPECT_GE(top.min().item<double>(), 0);
  EXPECT_GE(left.min().item<double>(), 0);
  EXPECT_LE((top + box_h).max().item<double>(), height + 1e-9);
  EXPECT_LE((left + box_w).max().item<double>(), width + 1e-9);
  torch::Tensor scale = box_h * box_w / (height * width);
  EXPECT_GE(scale.min().item<double>(), 0.2 - 1e-9);
  EXPECT_LE(scale.max().item<double>(), 1.0 + 1e-9);
  EXPECT_NEAR(scale.mean().item<double>(), 0.6, 0.01);  // area fraction ~ U[0.2, 1]
  torch::Tensor ratio = box_w / box_h;
  EXPECT_GE(ratio.min().item<double>(), 0.75 - 1e-9);
  EXPECT_LE(ratio.max().item<double>(), 4.0 / 3.0 + 1e-9);
  const double tolerance = 4 * std::sqrt(0.25 / n);
  EXPECT_NEAR(p.flip.to(torch::kFloat64).mean().item<double>(), 0.5, tolerance);
  EXPECT_NEAR(p.jitter.to(torch::kFloat64).mean().item<double>(), 0.8, tolerance);
  EXPECT_NEAR(p.grayscale.to(torch::kFloat64).mean().item<double>(), 0.2, tolerance);
  EXPECT_GE(p.brightness.min().item<double>(), 0.6);
  EXPECT_LE(p.brightness.max().item<double>(), 1.4);
  EXPECT_GE(p.hue.min().item<double>(), -0.1);
  EXPECT_LE(p.hue.max().item<double>(), 0.1);
  EXPECT_NEAR(p.hue.mean().item<double>(), 0.0, 0.01);
}

TEST(AugmentParams, ScaleOneMeansNoCrop) {
  AugmentSection section;
  section.crop_scale_min = section.crop_scale_max = 1.0;
  auto p = augment::draw_params(section, CounterRng(1), torch::arange(50, torch::kInt64), 0, 16, 16);
  torch::Tensor full = torch::tensor({0.0, 0.0, 16.0, 16.0}, torch::kFloat64).expand({50, 4});
  EXPECT_TRUE(torch::allclose(p.boxes, full, 0, 1e-9));
}

TEST(Augment, DisabledIsIdentityOrPlainResize) {
  AugmentSection section;
  section.enabled = false;
  torch::Tensor images = torch::rand({3, 3, 16, 16}) * 2 - 1;
  torch::Tensor d = draws({0, 1, 2});
  EXPECT_TRUE(torch::equal(augment::augment(section, CounterRng(0), images, d, 0, 0), images));
  namespace F = torch::nn::functional;
  torch::Tensor resized = augment::augment(section, CounterRng(0), images, d, 0, 8);
  torch::Tensor expected = F::interpolate(
      images, F::InterpolateFuncOptions().size(std::vector<int64_t>{8, 8}).mode(torch::kBilinear).align_corners(false));
  EXPECT_TRUE(torch::allclose(resized, expected, 0, 1e-5));
}

TEST(Augment, ComposesTheOpsWithTheDrawnParameters) {
  AugmentSection section;
  CounterRng rng(4);
  torch::Tensor images = torch::rand({4, 3, 16, 16}) * 2 - 1;
  torch::Tensor d = draws({10, 11, 12, 13});
  torch::Tensor out = augment::augment(section, rng, images, d, 1, 12);
  ASSERT_EQ(out.sizes(), torch::IntArrayRef({4, 3, 12, 12}));
  EXPECT_GE(out.min().item<float>(), -1 - 1e-5);
  EXPECT_LE(out.max().item<float>(), 1 + 1e-5);
  // Same images, same draws and view: bit-identical, whatever else is in the batch.
  torch::Tensor again = augment::augment(section, rng, images.slice(0, 2, 4), d.slice(0, 2, 4), 1, 12);
  EXPECT_TRUE(torch::equal(out.slice(0, 2, 4), again));
}
