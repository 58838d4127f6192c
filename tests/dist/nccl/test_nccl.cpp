// NCCL backend (CUDA builds only). NcclLinkage needs no GPU: one NCCL in the process, the one the
// headers describe. Nccl needs a GPU: the closed-form checks of test_collectives.cpp on CUDA tensors,
// plus all_gather_with_grad's backward; without a GPU each reports a skip with the reason (ctest
// shows the test as skipped), never a pass.
#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>
#include <torch/torch.h>

#include <fstream>
#include <set>
#include <sstream>

#include "dist/gather.h"
#include "dist/nccl/nccl_raw.h"
#include "test_support.h"

namespace synthview::dist::testing {
namespace {

// Real paths of the mapped files of this process whose name starts with `prefix`.
std::set<std::string> mapped_libraries(const std::string& prefix) {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> found;
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string name = path.substr(path.rfind('/') + 1);
    if (name.rfind(prefix, 0) != 0) continue;
    char real[PATH_MAX];
    found.insert(realpath(path.c_str(), real) ? std::string(real) : path);
  }
  return found;
}

std::string joined(const std::set<std::string>& items) {
  std::ostringstream out;
  for (const auto& item : items) out << item << " ";
  return out.str();
}

TEST(NcclLinkage, OneNcclInTheProcessTheOneCompiledAgainst) {
  const auto torch_cuda = mapped_libraries("libtorch_cuda.so");
  ASSERT_EQ(torch_cuda.size(), 1u) << "LibTorch's CUDA library is not loaded: " << joined(torch_cuda);
  const auto nccl = mapped_libraries("libnccl.so");
  EXPECT_EQ(nccl.size(), 1u) << "NCCL copies mapped: " << joined(nccl);
  EXPECT_EQ(nccl_raw::library_version(), nccl_raw::header_version())
      << "the NCCL loaded is not the NCCL compiled against";
}

// The communicator lives as long as one test suite, so it is gone before main() finalises MPI.
class Nccl : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (torch::cuda::device_count() == 0) return;
    instance() = make_communicator("nccl", torch::Device(torch::kCUDA, 0), 60);
  }
  static void TearDownTestSuite() { instance().reset(); }
  void SetUp() override {
    if (!instance()) GTEST_SKIP() << "no CUDA device visible (torch::cuda::device_count() == 0): NCCL needs a GPU";
  }
  static std::shared_ptr<Communicator>& instance() {
    static std::shared_ptr<Communicator> communicator;
    return communicator;
  }
  Communicator& nccl() { return *instance(); }
};

torch::Tensor contribution(int rank, int64_t numel, torch::ScalarType dtype) {
  return torch::arange(numel, torch::kDouble).remainder(13).sub(6).mul(rank + 1).add(3 * rank).to(dtype);
}

TEST_F(Nccl, CollectivesMatchLocalValues) {
  Communicator& comm = nccl();
  const int world = comm.size(), me = comm.rank();
  const auto cuda = comm.device();
  for (auto dtype : {torch::kFloat, torch::kDouble, torch::kLong, torch::kBFloat16}) {
    for (int64_t numel : {1, 7, 1001}) {
      auto sum = contribution(0, world * numel, dtype);
      std::vector<torch::Tensor> parts{contribution(0, numel, dtype)};
      for (int r = 1; r < world; ++r) {
        sum = sum + contribution(r, world * numel, dtype);
        parts.push_back(contribution(r, numel, dtype));
      }
      auto reduced = contribution(me, world * numel, dtype).to(cuda);
      comm.all_reduce(reduced);
      auto gathered = comm.all_gather(contribution(me, numel, dtype).to(cuda));
      auto scattered = comm.reduce_scatter(contribution(me, world * numel, dtype).to(cuda));
      auto broadcast = contribution(me, numel, dtype).to(cuda);
      comm.broadcast(broadcast, world - 1);
      comm.barrier();
      const std::string label = synthview::str(c10::toString(dtype), " x", numel);
      EXPECT_ON_ALL_RANKS(torch::equal(reduced.cpu(), sum), "all_reduce " + label);
      EXPECT_ON_ALL_RANKS(torch::equal(gathered.cpu(), torch::cat(parts)), "all_gather " + label);
      EXPECT_ON_ALL_RANKS(torch::equal(scattered.cpu(), sum.narrow(0, me * numel, numel)), "reduce_scatter " + label);
      EXPECT_ON_ALL_RANKS(torch::equal(broadcast.cpu(), contribution(world - 1, numel, dtype)), "broadcast " + label);
    }
  }
}

TEST_F(Nccl, AllGatherWithGradSumsOwnSlice) {
  Communicator& comm = nccl();
  const int world = comm.size(), me = comm.rank();
  auto local = contribution(me, 6, torch::kDouble).view({2, 3}).to(comm.device()).requires_grad_(true);
  auto gathered = all_gather_with_grad(comm, local);
  (gathered * (me + 1)).sum().backward();  // rank-specific loss
  const double expected = world * (world + 1) / 2.0;
  EXPECT_ON_ALL_RANKS(torch::allclose(local.grad().cpu(), torch::full({2, 3}, expected, torch::kDouble)),
                      "gather backward");
}

}  // namespace
}  // namespace synthview::dist::testing
