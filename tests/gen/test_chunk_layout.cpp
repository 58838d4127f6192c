// Canonical chunks (gen/chunk_layout.h): a sample's image must not depend on the batch it came in,
// even with kernels whose rounding depends on the row position and the batch size. The
// position-sensitive generator below makes that dependence explicit and large, on every CPU, so
// these tests fail wherever a caller's batch reaches the generator directly.
#include <gtest/gtest.h>

#include "core/schedule.h"
#include "gen/chunk_layout.h"
#include "gen/views.h"

using namespace synthview;

namespace {

// A pure function of (z, class) plus its row position and the call's row count, as a kernel that
// rounds by position would add them at the last bits (here 1e-4 and 1e-6: far above float noise).
class PositionSensitiveGenerator : public gen::Generator {
 public:
  explicit PositionSensitiveGenerator(const gen::GeneratorInfo& info) : info_(info) {}
  const gen::GeneratorInfo& info() const override { return info_; }
  torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& class_ids) override {
    call_rows.push_back(z.size(0));
    const int64_t rows = z.size(0), side = info_.resolution, pixels = info_.channels * side * side;
    torch::Tensor mix = torch::sin(torch::arange(info_.latent_dim * pixels, torch::kFloat32)).view({info_.latent_dim, pixels});
    torch::Tensor pure = torch::tanh(z.matmul(mix) * 0.2 + class_ids.to(torch::kFloat32).unsqueeze(1) * 0.1) * 0.9;
    torch::Tensor position = torch::arange(rows, torch::kFloat32).unsqueeze(1) * 1e-4 + static_cast<double>(rows) * 1e-6;
    return (pure + position).view({rows, info_.channels, side, side});
  }
  void to(torch::Device) override {}
  torch::Device device() const override { return torch::kCPU; }

  std::vector<int64_t> call_rows;

 private:
  gen::GeneratorInfo info_;
};

Config small_config(int64_t render_chunk) {
  Config config;
  config.seed = 5;
  config.generator.latent_dim = 8;
  config.generator.num_classes = 3;
  config.generator.channels = 1;
  config.generator.resolution = 8;
  config.generator.render_chunk = render_chunk;
  config.augment.out_size = 0;
  config.views.count = 2;
  return config;
}

std::shared_ptr<PositionSensitiveGenerator> position_sensitive(const Config& config) {
  gen::GeneratorInfo info{config.generator.latent_dim, config.generator.num_classes, config.generator.channels,
                          config.generator.resolution};
  return std::make_shared<PositionSensitiveGenerator>(info);
}

}  // namespace

TEST(ChunkLayout, SlotIsKeyModChunkAndRepeatsGoToLaterChunks) {
  gen::ChunkLayout layout = gen::layout_chunks(torch::tensor({5, 6, 13, 5, 21, 7}, torch::kInt64), 8);
  EXPECT_EQ(layout.chunk_size, 8);
  // Slot 5 is wanted four times (keys 5, 13, 5, 21): chunks 0, 1, 2, 3; slots 6 and 7 once each.
  EXPECT_EQ(layout.chunks, 4);
  EXPECT_TRUE(torch::equal(layout.rows, torch::tensor({5, 6, 13, 21, 29, 7}, torch::kInt64)))
      << layout.rows;
}

TEST(ChunkLayout, ContiguousKeysFillChunksWithoutGaps) {
  gen::ChunkLayout aligned = gen::layout_chunks(torch::arange(64, 128, torch::kInt64), 32);
  EXPECT_EQ(aligned.chunks, 2);
  gen::ChunkLayout shifted = gen::layout_chunks(torch::arange(40, 80, torch::kInt64), 32);
  EXPECT_EQ(shifted.chunks, 2);  // 40 rows, slots 8..31 then 0..15: two calls
  EXPECT_EQ(std::get<0>(torch::_unique(shifted.rows)).size(0), 40);
  EXPECT_THROW(gen::layout_chunks(torch::tensor({-1}, torch::kInt64), 8), std::exception);
}

TEST(ChunkLayout, PositionSensitiveKernelsCannotChangeASamplesImage) {
  Config config = small_config(8);
  auto generator = position_sensitive(config);
  gen::ViewMaker views(config, generator);
  SampleSchedule single(16, 1, 0, 0);
  torch::Tensor draws = single.draw_indices(48);
  gen::ViewBatch whole = views.make(draws, single.anchor_indices(draws));
  // Rank slices of every world size that divides the batch.
  for (int world : {2, 4, 8}) {
    for (int rank = 0; rank < world; ++rank) {
      SampleSchedule schedule(16, world, rank, 0);
      torch::Tensor mine = schedule.draw_indices(48);
      gen::ViewBatch part = views.make(mine, schedule.anchor_indices(mine));
      torch::Tensor rows = mine - 48;
      EXPECT_TRUE(torch::equal(part.anchors, whole.anchors.index({rows}))) << world << " " << rank;
      EXPECT_TRUE(torch::equal(part.views, whole.views.index({rows}))) << world << " " << rank;
    }
  }
  // Another order and a batch of one.
  torch::Tensor shuffled = torch::tensor({61, 50, 48, 55}, torch::kInt64);
  gen::ViewBatch reordered = views.make(shuffled, shuffled);
  EXPECT_TRUE(torch::equal(reordered.views, whole.views.index({shuffled - 48})));
  gen::ViewBatch one = views.make(torch::tensor({57}, torch::kInt64), torch::tensor({57}, torch::kInt64));
  EXPECT_TRUE(torch::equal(one.anchors[0], whole.anchors[57 - 48]));
  // The generator only ever saw calls of exactly render_chunk rows.
  for (int64_t rows : generator->call_rows) EXPECT_EQ(rows, 8);
}

TEST(ChunkLayout, PositionSensitiveKernelsKeepPoolAnchorsAndSigmaZeroViewsExact) {
  Config config = small_config(8);
  config.augment.enabled = false;
  config.views.sigma = 0;
  gen::ViewMaker views(config, position_sensitive(config));
  SampleSchedule pool(30, 1, 0, 7);
  torch::Tensor draws = pool.draw_indices(0);
  gen::ViewBatch batch = views.make(draws, pool.anchor_indices(draws));
  EXPECT_EQ(std::get<0>(torch::unique_dim(batch.anchors.flatten(1), 0)).size(0), 7);
  EXPECT_TRUE(torch::equal(batch.anchors[0], batch.anchors[7]));
  for (int64_t k = 0; k < 2; ++k) EXPECT_TRUE(torch::equal(batch.views.select(1, k), batch.anchors)) << k;
}
