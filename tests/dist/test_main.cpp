// main() for the multi-rank suite: MPI up first, then every test on every rank; the exit code is the worst
// over ranks, so mpirun (and CTest) fail when any rank fails.
#include <gtest/gtest.h>

#include <algorithm>

#include "dist/mpi_communicator.h"
#include "dist/mpi_runtime.h"
#include "test_support.h"

namespace synthview::dist::testing {

namespace {
std::shared_ptr<Communicator>& holder() {
  static std::shared_ptr<Communicator> instance;
  return instance;
}
}  // namespace

std::shared_ptr<Communicator> comm_ptr() {
  if (!holder()) holder() = std::make_shared<MpiCommunicator>(MPI_COMM_WORLD, 60.0);
  return holder();
}
Communicator& comm() { return *comm_ptr(); }
void release_comm() { holder().reset(); }

bool all_ranks_agree(bool ok) {
  auto flag = torch::tensor({ok ? int64_t{1} : int64_t{0}});
  comm().all_reduce(flag, kMin);
  return flag.item<int64_t>() == 1;
}

double max_relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  auto a64 = a.detach().to(torch::kDouble), b64 = b.detach().to(torch::kDouble);
  if (a64.sizes() != b64.sizes()) return std::numeric_limits<double>::infinity();
  if (a64.numel() == 0) return 0;
  const double scale = b64.abs().max().item<double>();
  const double diff = (a64 - b64).abs().max().item<double>();
  return scale > 0 ? diff / scale : diff;
}

}  // namespace synthview::dist::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  synthview::dist::MpiRuntime runtime;
  torch::set_num_threads(1);
  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  synthview::dist::testing::release_comm();
  int any_failed = failed;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any_failed;
}
