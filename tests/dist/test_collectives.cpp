// Collectives against values every rank can compute alone: rank r contributes f(r), so the expected
// reduction over ranks is known locally. Odd sizes, several dtypes, async overlap, non-contiguous input.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "dist/arrival.h"
#include "test_support.h"

namespace synthview::dist::testing {
namespace {

// Rank r's contribution: distinct per rank and per element, exactly representable in every tested dtype.
torch::Tensor contribution(int rank, std::vector<int64_t> shape, torch::ScalarType dtype) {
  int64_t numel = 1;
  for (auto d : shape) numel *= d;
  auto values = torch::arange(numel, torch::kDouble).remainder(13).sub(6).mul(rank + 1).add(3 * rank);
  return values.view(shape).to(dtype);
}

const std::vector<torch::ScalarType> kDtypes = {torch::kFloat, torch::kDouble, torch::kLong, torch::kBFloat16};
const std::vector<std::vector<int64_t>> kShapes = {{1}, {7}, {5, 3}, {1001}, {3, 1, 17}};

std::string describe(torch::ScalarType dtype, const std::vector<int64_t>& shape) {
  return synthview::str(c10::toString(dtype), " ", torch::IntArrayRef(shape));
}

TEST(Collectives, AllReduceSumMaxMinMatchLocalReduction) {
  const int world = comm().size(), me = comm().rank();
  for (auto dtype : kDtypes) {
    for (const auto& shape : kShapes) {
      for (auto op : {kSum, kMax, kMin}) {
        auto tensor = contribution(me, shape, dtype);
        comm().all_reduce(tensor, op);
        auto expected = contribution(0, shape, dtype);
        for (int r = 1; r < world; ++r) {
          auto c = contribution(r, shape, dtype);
          expected = op == kSum ? expected + c : op == kMax ? torch::maximum(expected, c) : torch::minimum(expected, c);
        }
        EXPECT_ON_ALL_RANKS(torch::equal(tensor, expected),
                            synthview::str(reduce_op_name(op), " ", describe(dtype, shape)));
      }
    }
  }
}

TEST(Collectives, AllReduceAverageDividesByWorld) {
  const int world = comm().size();
  auto tensor = contribution(comm().rank(), {9, 2}, torch::kDouble);
  comm().all_reduce(tensor, kAvg);
  auto expected = torch::zeros({9, 2}, torch::kDouble);
  for (int r = 0; r < world; ++r) expected += contribution(r, {9, 2}, torch::kDouble);
  expected /= world;
  EXPECT_ON_ALL_RANKS(torch::allclose(tensor, expected, 1e-15, 1e-15), "avg");
}

TEST(Collectives, AllGatherConcatenatesInRankOrder) {
  const int world = comm().size();
  for (auto dtype : kDtypes) {
    for (const auto& shape : kShapes) {
      auto gathered = comm().all_gather(contribution(comm().rank(), shape, dtype));
      std::vector<torch::Tensor> parts;
      for (int r = 0; r < world; ++r) parts.push_back(contribution(r, shape, dtype));
      EXPECT_ON_ALL_RANKS(torch::equal(gathered, torch::cat(parts)), describe(dtype, shape));
    }
  }
}

TEST(Collectives, ReduceScatterReturnsOwnRowsOfTheSum) {
  const int world = comm().size(), me = comm().rank();
  for (auto dtype : kDtypes) {
    for (int64_t rows : {1, 3}) {
      std::vector<int64_t> shape{world * rows, 5};
      auto mine = comm().reduce_scatter(contribution(me, shape, dtype));
      auto sum = contribution(0, shape, dtype);
      for (int r = 1; r < world; ++r) sum = sum + contribution(r, shape, dtype);
      EXPECT_ON_ALL_RANKS(torch::equal(mine, sum.narrow(0, me * rows, rows)), describe(dtype, shape));
    }
  }
}

TEST(Collectives, ReduceScatterRejectsIndivisibleRows) {
  if (comm().size() == 1) GTEST_SKIP() << "every row count divides by 1";
  EXPECT_THROW(comm().reduce_scatter(torch::zeros({comm().size() + 1})), Error);
}

TEST(Collectives, BroadcastCopiesRootEverywhere) {
  const int root = comm().size() - 1;
  for (auto dtype : kDtypes) {
    auto tensor = contribution(comm().rank(), {11, 3}, dtype);
    comm().broadcast(tensor, root);
    EXPECT_ON_ALL_RANKS(torch::equal(tensor, contribution(root, {11, 3}, dtype)), describe(dtype, {11, 3}));
  }
}

TEST(Collectives, NonContiguousTensorIsReducedInPlace) {
  auto base = contribution(comm().rank(), {6, 4}, torch::kFloat);
  auto view = base.t();  // non-contiguous
  comm().all_reduce(view);
  auto expected = torch::zeros({6, 4});
  for (int r = 0; r < comm().size(); ++r) expected += contribution(r, {6, 4}, torch::kFloat);
  EXPECT_ON_ALL_RANKS(torch::equal(base, expected), "transposed view");
}

TEST(Collectives, ManyOutstandingAsyncOpsCompleteInOrder) {
  const int world = comm().size();
  std::vector<torch::Tensor> tensors;
  std::vector<std::shared_ptr<Work>> works;
  for (int i = 0; i < 20; ++i) {
    tensors.push_back(torch::full({37 + i}, static_cast<double>(comm().rank() + i), torch::kDouble));
    works.push_back(comm().all_reduce_async(tensors.back()));
  }
  works.push_back(comm().barrier_async());
  bool ok = true;
  for (auto it = works.rbegin(); it != works.rend(); ++it) (*it)->wait();  // any wait order is fine
  for (int i = 0; i < 20; ++i) {
    const double expected = world * i + world * (world - 1) / 2.0;
    ok = ok && works[i]->ready() && torch::equal(tensors[i], torch::full({37 + i}, expected, torch::kDouble));
  }
  EXPECT_ON_ALL_RANKS(ok, "async results");
}

TEST(Collectives, PlaceIsConsistent) {
  auto ranks = comm().all_gather(torch::tensor({int64_t{comm().rank()}, int64_t{comm().size()}}).view({1, 2}));
  bool ok = comm().local_rank() >= 0 && comm().local_rank() < comm().local_size() &&
            comm().local_size() <= comm().size();
  for (int r = 0; r < comm().size(); ++r) {
    ok = ok && ranks[r][0].item<int64_t>() == r && ranks[r][1].item<int64_t>() == comm().size();
  }
  EXPECT_ON_ALL_RANKS(ok, "rank/size/local_rank");
}

TEST(Collectives, MpiBackendRejectsCudaDevice) {
  EXPECT_THROW(make_communicator("mpi", torch::Device(torch::kCUDA, 0), 10), InputError);
  EXPECT_THROW(make_communicator("gloo", torch::kCPU, 10), InputError);
}

// A duplicate orders its collectives on its own: ranks may interleave the two communicators' collectives
// differently (as GradientReducer's hook-started buckets and SyncBatchNorm's backward do). On one
// communicator these would match a 5-element all_reduce with a 9-element one.
TEST(Collectives, DuplicateOrdersItsCollectivesOnItsOwn) {
  const int world = comm().size(), me = comm().rank();
  auto side = comm().duplicate("side");
  EXPECT_EQ(side->size(), world);
  EXPECT_EQ(side->rank(), me);
  auto main_values = torch::full({5}, static_cast<double>(me), torch::kDouble);
  auto side_values = torch::full({9}, static_cast<double>(me + 1), torch::kDouble);
  std::shared_ptr<Work> main_work, side_work;
  if (me % 2 == 0) {
    side_work = side->all_reduce_async(side_values);
    main_work = comm().all_reduce_async(main_values);
  } else {
    main_work = comm().all_reduce_async(main_values);
    side_work = side->all_reduce_async(side_values);
  }
  main_work->wait();
  side_work->wait();
  const bool ok = torch::equal(main_values, torch::full({5}, world * (world - 1) / 2.0, torch::kDouble)) &&
                  torch::equal(side_values, torch::full({9}, world * (world + 1) / 2.0, torch::kDouble));
  EXPECT_ON_ALL_RANKS(ok, "sums on the original and on the duplicate");
}

// The watchdog's normal path is free: collectives that every rank reaches on time send no arrival
// messages (the old design sent W-1 per rank per collective: at least one each here). Only one that waits
// longer than ArrivalTracker::announce_delay_s (1 s with the tests' 60 s timeout) announces.
TEST(Watchdog, CollectivesOnTimeSendNoMessages) {
  constexpr int kCollectives = 50;
  auto value = torch::ones({3});
  comm().all_reduce(value);
  const int64_t before = watchdog_messages_sent();
  for (int i = 0; i < kCollectives; ++i) comm().all_reduce(value);
  const int64_t sent = watchdog_messages_sent() - before;
  if (comm().rank() == 0) std::printf("[ watchdog ] rank 0 sent %lld messages in %d collectives\n",
                                      static_cast<long long>(sent), kCollectives);
  EXPECT_ON_ALL_RANKS(sent < kCollectives, synthview::str(sent, " watchdog messages in ", kCollectives,
                                                          " on-time collectives"));
}

}  // namespace
}  // namespace synthview::dist::testing
