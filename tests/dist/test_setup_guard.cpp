// One rank per GPU (dist/setup_guard.h): the line that names ranks sharing a GPU, and the node-local
// gather behind it, run for real over MPI with made-up GPU ids (no GPU needed).
#include <gtest/gtest.h>

#include "dist/setup_guard.h"
#include "test_support.h"

namespace synthview::dist::testing {
namespace {

TEST(SetupGuard, SharedGpuLineNamesRanksHostAndGpu) {
  EXPECT_EQ(shared_gpu_problem({"GPU-a", "GPU-b"}, {4, 5}, "node1", 2), "");
  const std::string line = shared_gpu_problem({"GPU-a", "GPU-a", "GPU-b"}, {4, 5, 6}, "node1", 1);
  EXPECT_NE(line.find("3 ranks on host node1 but 2 distinct GPU(s) (1 visible to each rank)"), std::string::npos) << line;
  EXPECT_NE(line.find("ranks 4, 5 share GPU GPU-a"), std::string::npos) << line;
  EXPECT_EQ(line.find("6"), std::string::npos) << line;
}

TEST(SetupGuard, GatherOverTheHostFindsASharedGpuOnEveryRank) {
  const int me = comm().rank(), world = comm().size();
  // Distinct ids: no error on any rank.
  bool distinct_ok = true;
  try {
    check_one_rank_per_gpu(MPI_COMM_WORLD, synthview::str("GPU-", me), world);
  } catch (const std::exception&) {
    distinct_ok = false;
  }
  EXPECT_ON_ALL_RANKS(distinct_ok, "distinct GPU ids were reported as shared");
  // One id for all (all ranks of a test run on one host): every rank throws when there are two or more.
  std::string message;
  try {
    check_one_rank_per_gpu(MPI_COMM_WORLD, "GPU-same", 1);
  } catch (const InputError& e) {
    message = e.what();
  }
  const bool as_expected = world == 1 ? message.empty()
                                      : message.find(synthview::str(world, " ranks on host")) != std::string::npos &&
                                            message.find("share GPU GPU-same") != std::string::npos;
  EXPECT_ON_ALL_RANKS(as_expected, "got '" + message + "'");
}

}  // namespace
}  // namespace synthview::dist::testing
