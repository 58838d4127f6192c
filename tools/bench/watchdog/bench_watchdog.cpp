// What the collective watchdog costs: the messages it sends (arrival announcements, pings, answers)
// over N small all_reduces that every rank reaches on time, and the time per all_reduce.
// Run: mpirun -np W bench_watchdog [collectives=1000]   (W > cores: add --oversubscribe)
// Prints one line from rank 0: total messages over all ranks, and per rank per collective.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "core/error.h"
#include "dist/arrival.h"
#include "dist/communicator.h"
#include "dist/mpi_runtime.h"

int main(int argc, char** argv) {
  using namespace synthview;
  try {
    const int64_t collectives = argc > 1 ? std::stoll(argv[1]) : 1000;
    SV_CHECK(collectives > 0, "collectives must be positive, got ", collectives);
    dist::MpiRuntime runtime;
    torch::set_num_threads(1);
    auto comm = dist::make_communicator("mpi", torch::kCPU, 60);
    auto value = torch::ones({1});
    comm->all_reduce(value);  // connections up before counting
    const int64_t before = dist::watchdog_messages_sent();
    const auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < collectives; ++i) comm->all_reduce(value);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto counts = torch::tensor({static_cast<double>(dist::watchdog_messages_sent() - before), seconds},
                                torch::kDouble);
    comm->all_reduce(counts);
    if (comm->rank() == 0) {
      const double total = counts[0].item<double>(), world = comm->size();
      std::printf("W=%d collectives=%lld watchdog_messages_total=%.0f per_rank_per_collective=%.3f "
                  "us_per_collective=%.1f\n", comm->size(), static_cast<long long>(collectives), total,
                  total / world / static_cast<double>(collectives),
                  counts[1].item<double>() / world / static_cast<double>(collectives) * 1e6);
    }
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "synthview: error: %s\n", e.what());
    return static_cast<int>(e.code());
  }
}
