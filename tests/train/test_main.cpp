// main() for the multi-rank train suite: MPI up first, then every test on every rank; the exit code is the
// worst over ranks, so mpirun (and CTest) fail when any rank fails.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "dist/mpi_runtime.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  synthview::dist::MpiRuntime runtime;
  torch::set_num_threads(1);
  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int any_failed = failed;
  if (MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS) return 1;
  return any_failed;
}
