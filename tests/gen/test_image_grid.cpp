#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "gen/image_grid.h"

using namespace synthview;

TEST(ImageGrid, TilesRowsAndColumnsWithPadding) {
  // 2 rows x 3 columns of 1-channel 2x2 images with constant values.
  torch::Tensor images = torch::empty({2, 3, 1, 2, 2});
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 3; ++c) images[r][c].fill_(-1.0 + 0.4 * (3 * r + c));
  torch::Tensor grid = gen::tile_grid(images, 1);
  ASSERT_EQ(grid.sizes(), torch::IntArrayRef({2 * 3 + 1, 3 * 3 + 1, 1}));
  EXPECT_EQ(grid[0][0][0].item<uint8_t>(), 255);  // padding
  for (int64_t r = 0; r < 2; ++r) {
    for (int64_t c = 0; c < 3; ++c) {
      int expected = static_cast<int>(std::lround((0.4 * (3 * r + c)) * 127.5));
      EXPECT_EQ(grid[1 + 3 * r][1 + 3 * c][0].item<uint8_t>(), expected) << r << " " << c;
      EXPECT_EQ(grid[2 + 3 * r][2 + 3 * c][0].item<uint8_t>(), expected) << r << " " << c;
    }
  }
}

TEST(ImageGrid, PngRoundTrip) {
  std::string path = (std::filesystem::temp_directory_path() / "synthview_test_grid.png").string();
  for (int64_t channels : {1, 3}) {
    torch::Tensor image = torch::randint(0, 256, {7, 5, channels}, torch::kUInt8);
    gen::write_png(path, image);
    EXPECT_TRUE(torch::equal(gen::read_png(path), image));
  }
  std::ofstream(path) << "not a png";
  EXPECT_THROW(gen::read_png(path), InputError);
  std::filesystem::remove(path);
}
