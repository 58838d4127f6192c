// A two-rank job that goes wrong on purpose at step 7, for run_watchdog.sh:
//   stall: rank 1 sleeps far past the timeout before the collective;
//   exit:  rank 1 leaves early (MPI_Finalize and return) instead of joining the collective;
//   kill:  rank 1 is killed by SIGKILL;
//   setup: before any communicator exists (as during NCCL setup), rank 1 stalls instead of sending a
//          broadcast that rank 0 waits for; the SetupDeadline must end the job.
// Rank 0 is inside an all_reduce; the watchdog must end the job (exit 3, message naming the missing rank).
//   late:  rank 0 prints "rank 0: late" and sleeps argv[3] seconds (default 3) before an all_reduce of
//          4 MB (too big to be sent before the receiver is ready): rank 1 arrives and waits first.
//          tests/multihost/link-failure-in-transfer.sh cuts rank 1's link meanwhile.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/error.h"
#include "dist/communicator.h"
#include "dist/mpi_runtime.h"
#include "dist/setup_guard.h"

int main(int argc, char** argv) {
  using namespace synthview;
  const std::string mode = argc > 1 ? argv[1] : "stall";
  const double timeout_s = argc > 2 ? std::stod(argv[2]) : 2.0;
  try {
    dist::MpiRuntime runtime;
    if (mode == "setup") {
      int rank = 0;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      dist::SetupDeadline deadline("NCCL setup", timeout_s, rank);
      deadline.stage("the broadcast of NCCL's unique id from rank 1");
      if (rank == 1) sleep(static_cast<unsigned>(timeout_s * 10 + 20));
      char id[128] = {};
      MPI_Bcast(id, sizeof(id), MPI_BYTE, 1, MPI_COMM_WORLD);
      std::printf("rank %d: setup completed, the fault did not happen\n", rank);
      return 0;
    }
    auto comm = dist::make_communicator("mpi", torch::kCPU, timeout_s);
    for (int64_t step = 0; step < 7; ++step) {  // healthy steps first
      comm->set_step(step);
      auto values = torch::ones({3});
      comm->all_reduce(values);
    }
    comm->set_step(7);
    if (mode == "late" && comm->rank() == 0) {
      std::printf("rank 0: late\n");
      std::fflush(stdout);
      sleep(static_cast<unsigned>(argc > 3 ? std::stoi(argv[3]) : 3));
    }
    if (comm->rank() == 1) {
      if (mode == "stall") sleep(static_cast<unsigned>(timeout_s * 10 + 20));
      if (mode == "exit") {
        comm.reset();
        return 0;  // ~MpiRuntime finalises while rank 0 waits in the collective
      }
      if (mode == "kill") raise(SIGKILL);
    }
    auto values = torch::ones({mode == "late" ? 1 << 20 : 1000});
    comm->all_reduce(values);
    std::printf("rank %d: collective completed, the fault did not happen\n", comm->rank());
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "synthview: error: %s\n", e.what());
    return static_cast<int>(e.code());
  }
}
