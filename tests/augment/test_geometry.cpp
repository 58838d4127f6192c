#include <gtest/gtest.h>

#include "augment/geometry.h"

using namespace synthview;

namespace {

torch::Tensor ramp_images(int64_t batch, int64_t channels, int64_t height, int64_t width) {
  return torch::arange(batch * channels * height * width, torch::kFloat32).view({batch, channels, height, width}) /
         100.0;
}

torch::Tensor box(std::vector<double> values) { return torch::tensor(values, torch::kFloat64).view({-1, 4}); }

}  // namespace

TEST(ResizedCrop, IntegerBoxAtItsOwnSizeIsASlice) {
  torch::Tensor images = ramp_images(2, 3, 8, 8);
  // Image 0: rows 1..4, cols 2..5; image 1: rows 4..7, cols 0..3.
  torch::Tensor out = augment::resized_crop(images, box({1, 2, 4, 4, 4, 0, 4, 4}), 4);
  ASSERT_EQ(out.sizes(), torch::IntArrayRef({2, 3, 4, 4}));
  EXPECT_TRUE(torch::allclose(out[0], images[0].slice(1, 1, 5).slice(2, 2, 6), 0, 1e-5));
  EXPECT_TRUE(torch::allclose(out[1], images[1].slice(1, 4, 8).slice(2, 0, 4), 0, 1e-5));
}

TEST(ResizedCrop, MatchesBilinearInterpolateOfTheCrop) {
  namespace F = torch::nn::functional;
  auto bilinear = [](const torch::Tensor& x, int64_t size) {
    return F::interpolate(x, F::InterpolateFuncOptions()
                                 .size(std::vector<int64_t>{size, size})
                                 .mode(torch::kBilinear)
                                 .align_corners(false));
  };
  torch::Tensor images = torch::rand({1, 1, 12, 12});
  // Downscale a 6x6 interior box by 2: every sample point stays inside the box.
  torch::Tensor down = augment::resized_crop(images, box({3, 5, 6, 6}), 3);
  torch::Tensor crop = images.slice(2, 3, 9).slice(3, 5, 11);
  EXPECT_TRUE(torch::allclose(down, bilinear(crop, 3), 0, 1e-5));
  // Full image upscaled: edge clamping matches interpolate's.
  torch::Tensor up = augment::resized_crop(images, box({0, 0, 12, 12}), 17);
  EXPECT_TRUE(torch::allclose(up, bilinear(images, 17), 0, 1e-5));
}

TEST(ResizedCrop, FractionalBoxInterpolatesBetweenPixels) {
  // A linear ramp along x is reproduced exactly by bilinear sampling: value = x coordinate.
  torch::Tensor images = torch::arange(10, torch::kFloat32).view({1, 1, 1, 10}).expand({1, 1, 10, 10}).contiguous();
  // Box left 2.5, width 4 -> 2 output pixels centred at x = 2.5 + 1 and 2.5 + 3 (edge coords),
  // i.e. pixel-index coordinates 3.0 and 5.0.
  torch::Tensor out = augment::resized_crop(images, box({0, 2.5, 10, 4}), 2);
  EXPECT_NEAR(out[0][0][0][0].item<float>(), 3.0, 1e-5);
  EXPECT_NEAR(out[0][0][0][1].item<float>(), 5.0, 1e-5);
}

TEST(HFlip, MirrorsOnlySelectedImages) {
  torch::Tensor images = ramp_images(3, 2, 4, 5);
  torch::Tensor out = augment::hflip(images, torch::tensor({true, false, true}));
  for (int64_t x = 0; x < 5; ++x) {
    EXPECT_TRUE(torch::equal(out[0].select(2, x), images[0].select(2, 4 - x)));
    EXPECT_TRUE(torch::equal(out[2].select(2, x), images[2].select(2, 4 - x)));
  }
  EXPECT_TRUE(torch::equal(out[1], images[1]));
}
