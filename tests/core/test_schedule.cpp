#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "core/schedule.h"

using namespace synthview;

namespace {

std::vector<int64_t> to_vector(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

// Every draw index of `steps` steps on `world` ranks, in (step, rank) order, starting at `samples_drawn`.
std::vector<int64_t> run_draws(int64_t global_batch, int world, int64_t steps, int64_t& samples_drawn) {
  std::vector<int64_t> draws;
  for (int64_t step = 0; step < steps; ++step) {
    for (int rank = 0; rank < world; ++rank) {
      auto slice = to_vector(SampleSchedule(global_batch, world, rank, 0).draw_indices(samples_drawn));
      draws.insert(draws.end(), slice.begin(), slice.end());
    }
    samples_drawn = SampleSchedule(global_batch, world, 0, 0).advance(samples_drawn);
  }
  return draws;
}

}  // namespace

TEST(Schedule, NoRepeatsAcrossRanksAndSteps) {
  for (int world = 1; world <= 8; ++world) {
    int64_t samples_drawn = 0;
    auto draws = run_draws(int64_t{world} * 3, world, 5, samples_drawn);
    std::set<int64_t> unique(draws.begin(), draws.end());
    EXPECT_EQ(unique.size(), draws.size()) << "world " << world;
  }
}

TEST(Schedule, EveryWorldSizeCoversTheSameGlobalRange) {
  const int64_t global_batch = 840;  // divisible by 1..8
  std::vector<int64_t> expected(global_batch * 4);
  std::iota(expected.begin(), expected.end(), 0);
  for (int world = 1; world <= 8; ++world) {
    int64_t samples_drawn = 0;
    auto draws = run_draws(global_batch, world, 4, samples_drawn);
    EXPECT_EQ(draws, expected) << "world " << world;
  }
}

TEST(Schedule, RankSliceIsContiguousAndRankOrdered) {
  SampleSchedule schedule(12, 3, 2, 0);
  EXPECT_EQ(to_vector(schedule.draw_indices(100)), (std::vector<int64_t>{108, 109, 110, 111}));
}

TEST(Schedule, FinitePoolHasExactlyNAnchorsWhileDrawsStayUnique) {
  const int64_t pool = 37;  // deliberately not a multiple of the batch
  SampleSchedule schedule(16, 2, 1, pool);
  std::set<int64_t> anchors, draws;
  int64_t samples_drawn = 0;
  for (int step = 0; step < 50; ++step) {
    for (int rank = 0; rank < 2; ++rank) {
      SampleSchedule rank_schedule(16, 2, rank, pool);
      torch::Tensor drawn = rank_schedule.draw_indices(samples_drawn);
      for (int64_t d : to_vector(drawn)) draws.insert(d);
      for (int64_t a : to_vector(rank_schedule.anchor_indices(drawn))) anchors.insert(a);
    }
    samples_drawn = schedule.advance(samples_drawn);
  }
  EXPECT_EQ(anchors.size(), static_cast<size_t>(pool));
  EXPECT_EQ(*anchors.rbegin(), pool - 1);
  EXPECT_EQ(draws.size(), 50u * 16u);
}

TEST(Schedule, WorldSizeChangeMidRunContinuesWithoutSkipOrRepeat) {
  int64_t samples_drawn = 0;
  auto first = run_draws(24, 2, 3, samples_drawn);   // 3 steps on 2 ranks
  auto second = run_draws(24, 3, 2, samples_drawn);  // resume on 3 ranks
  auto third = run_draws(48, 4, 1, samples_drawn);   // and with a bigger global batch on 4
  std::vector<int64_t> all = first;
  all.insert(all.end(), second.begin(), second.end());
  all.insert(all.end(), third.begin(), third.end());
  std::vector<int64_t> expected(all.size());
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);
}

TEST(Schedule, BadShapesAreInputErrors) {
  try {
    SampleSchedule(10, 3, 0, 0);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("train.batch_size=10 does not divide by the world size 3"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(SampleSchedule(8, 2, 2, 0), InputError);
  EXPECT_THROW(SampleSchedule(8, 0, 0, 0), InputError);
}
