#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/error.h"
#include "gen/builtin_generator.h"
#include "gen/prefetch.h"

using namespace synthview;
using Clock = std::chrono::steady_clock;

namespace {

// A cheap producer: the "images" are the draw indices, so order is easy to check.
gen::ViewBatch index_batch(const torch::Tensor& draws, const torch::Tensor& anchors) {
  gen::ViewBatch batch;
  batch.draw_indices = draws;
  batch.anchors = anchors.to(torch::kFloat32);
  return batch;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

TEST(Prefetch, BatchesArriveInOrderForEveryDepth) {
  SampleSchedule schedule(4, 2, 1, 5);  // rank 1 of 2, pool of 5 anchors
  for (int64_t depth : {0, 1, 3}) {
    gen::PrefetchingShard shard(index_batch, schedule, 100, depth);
    for (int64_t step = 0; step < 6; ++step) {
      int64_t start = 100 + 4 * step;
      EXPECT_EQ(shard.samples_drawn(), start);
      gen::ViewBatch batch = shard.next();
      torch::Tensor expected = torch::tensor({start + 2, start + 3}, torch::kInt64);
      EXPECT_TRUE(torch::equal(batch.draw_indices, expected)) << "depth " << depth << " step " << step;
      EXPECT_TRUE(torch::equal(batch.anchors, torch::remainder(expected, 5).to(torch::kFloat32)));
    }
  }
}

TEST(Prefetch, ViewMakerBatchesEqualDirectOnes) {
  Config config;
  config.generator.latent_dim = 8;
  config.generator.resolution = 8;
  config.generator.width = 8;
  auto generator = std::make_shared<gen::BuiltinGenerator>(gen::builtin_info(config.generator), 8, 1);
  auto maker = std::make_shared<const gen::ViewMaker>(config, generator);
  SampleSchedule schedule(6, 1, 0, 0);
  gen::PrefetchingShard shard(maker, schedule, 12, 2);
  for (int64_t start : {12, 18, 24}) {
    gen::ViewBatch batch = shard.next();
    torch::Tensor draws = schedule.draw_indices(start);
    gen::ViewBatch direct = maker->make(draws, draws);
    EXPECT_TRUE(torch::equal(batch.draw_indices, draws));
    EXPECT_TRUE(torch::allclose(batch.anchors, direct.anchors, 0, 1e-6));
    EXPECT_TRUE(torch::allclose(batch.views, direct.views, 0, 1e-6));
  }
}

TEST(Prefetch, ProducerExceptionReachesTheConsumerWithItsMessage) {
  SampleSchedule schedule(2, 1, 0, 0);
  auto failing = [](const torch::Tensor& draws, const torch::Tensor& anchors) {
    if (draws[0].item<int64_t>() == 4) throw InputError("generator exploded at draw 4");
    return index_batch(draws, anchors);
  };
  for (int64_t depth : {0, 2}) {
    gen::PrefetchingShard shard(failing, schedule, 0, depth);
    shard.next();
    shard.next();
    try {
      shard.next();
      FAIL() << "expected the producer's InputError";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), "generator exploded at draw 4");
    }
    EXPECT_THROW(shard.next(), InputError);  // and it stays failed
  }
}

TEST(Prefetch, ShutdownUnderLoadIsBounded) {
  SampleSchedule schedule(2, 1, 0, 0);
  std::atomic<int> produced{0};
  auto slow = [&](const torch::Tensor& draws, const torch::Tensor& anchors) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ++produced;
    return index_batch(draws, anchors);
  };
  // Producer blocked on a full queue.
  {
    auto shard = std::make_unique<gen::PrefetchingShard>(slow, schedule, 0, 2);
    shard->next();
    // One consumed + a full queue of two, then the producer waits.
    for (auto deadline = Clock::now() + std::chrono::seconds(10); produced.load() < 3 && Clock::now() < deadline;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    EXPECT_EQ(produced.load(), 3);
    auto start = Clock::now();
    shard.reset();
    EXPECT_LT(seconds_since(start), 0.5);
  }
  // Producer in the middle of a batch, consumer stopping early.
  for (int i = 0; i < 5; ++i) {
    auto start = Clock::now();
    { gen::PrefetchingShard shard(slow, schedule, 0, 4); }
    EXPECT_LT(seconds_since(start), 0.5);
  }
}

TEST(Prefetch, ProducerThreadCountLeavesTheTrainersAlone) {
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  std::atomic<int> producer_threads{0};
  auto report = [&](const torch::Tensor& draws, const torch::Tensor& anchors) {
    producer_threads = at::get_num_threads();
    return index_batch(draws, anchors);
  };
  {
    gen::PrefetchingShard shard(report, SampleSchedule(2, 1, 0, 0), 0, 1, torch::kCPU, 1);
    shard.next();
    EXPECT_EQ(producer_threads.load(), 1);
    EXPECT_EQ(at::get_num_threads(), 2);
  }
  at::set_num_threads(threads);
}
