// NCCL backend (CUDA builds only): the same closed-form checks as test_collectives.cpp on CUDA tensors,
// plus all_gather_with_grad's backward. A CUDA build without a usable GPU fails here, it does not skip.
#ifdef SYNTHVIEW_WITH_CUDA
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "dist/gather.h"
#include "test_support.h"

namespace synthview::dist::testing {
namespace {

std::shared_ptr<Communicator> nccl() {
  static std::shared_ptr<Communicator> instance = make_communicator("nccl", torch::Device(torch::kCUDA, 0), 60);
  return instance;
}

torch::Tensor contribution(int rank, int64_t numel, torch::ScalarType dtype) {
  return torch::arange(numel, torch::kDouble).remainder(13).sub(6).mul(rank + 1).add(3 * rank).to(dtype);
}

TEST(Nccl, CollectivesMatchLocalValues) {
  auto comm = nccl();
  const int world = comm->size(), me = comm->rank();
  const auto cuda = comm->device();
  for (auto dtype : {torch::kFloat, torch::kDouble, torch::kLong, torch::kBFloat16}) {
    for (int64_t numel : {1, 7, 1001}) {
      auto sum = contribution(0, world * numel, dtype);
      std::vector<torch::Tensor> parts{contribution(0, numel, dtype)};
      for (int r = 1; r < world; ++r) {
        sum = sum + contribution(r, world * numel, dtype);
        parts.push_back(contribution(r, numel, dtype));
      }
      auto reduced = contribution(me, world * numel, dtype).to(cuda);
      comm->all_reduce(reduced);
      auto gathered = comm->all_gather(contribution(me, numel, dtype).to(cuda));
      auto scattered = comm->reduce_scatter(contribution(me, world * numel, dtype).to(cuda));
      auto broadcast = contribution(me, numel, dtype).to(cuda);
      comm->broadcast(broadcast, world - 1);
      comm->barrier();
      const std::string label = synthview::str(c10::toString(dtype), " x", numel);
      EXPECT_ON_ALL_RANKS(torch::equal(reduced.cpu(), sum), "all_reduce " + label);
      EXPECT_ON_ALL_RANKS(torch::equal(gathered.cpu(), torch::cat(parts)), "all_gather " + label);
      EXPECT_ON_ALL_RANKS(torch::equal(scattered.cpu(), sum.narrow(0, me * numel, numel)), "reduce_scatter " + label);
      EXPECT_ON_ALL_RANKS(torch::equal(broadcast.cpu(), contribution(world - 1, numel, dtype)), "broadcast " + label);
    }
  }
}

TEST(Nccl, AllGatherWithGradSumsOwnSlice) {
  auto comm = nccl();
  const int world = comm->size(), me = comm->rank();
  auto local = contribution(me, 6, torch::kDouble).view({2, 3}).to(comm->device()).requires_grad_(true);
  auto gathered = all_gather_with_grad(*comm, local);
  (gathered * (me + 1)).sum().backward();  // rank-specific loss
  const double expected = world * (world + 1) / 2.0;
  EXPECT_ON_ALL_RANKS(torch::allclose(local.grad().cpu(), torch::full({2, 3}, expected, torch::kDouble)),
                      "gather backward");
}

}  // namespace
}  // namespace synthview::dist::testing
#endif  // SYNTHVIEW_WITH_CUDA
