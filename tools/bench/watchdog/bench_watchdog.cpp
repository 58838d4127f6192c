// What the collective watchdog costs: the messages it sends (arrival announcements, pings, answers)
// over N small all_reduces, and the time per all_reduce.
// Run: mpirun -np W bench_watchdog [collectives=1000] [late_ms=0]   (W > cores: add --oversubscribe)
// late_ms > 0: the last rank sleeps that long before each all_reduce, so the others wait in every one
// (the watchdog's timeout is then 2 s, so that waits past 0.2 s announce).
// Prints one line from rank 0: total messages over all ranks, and per rank per collective.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "core/error.h"
#include "dist/arrival.h"
#include "dist/communicator.h"
#include "dist/mpi_runtime.h"

int main(int argc, char** argv) {
  using namespace synthview;
  try {
    const int64_t collectives = argc > 1 ? std::stoll(argv[1]) : 1000;
    const int64_t late_ms = argc > 2 ? std::stoll(argv[2]) : 0;
    SV_CHECK(collectives > 0 && late_ms >= 0, "want collectives > 0 and late_ms >= 0, got ", collectives, " and ",
             late_ms);
    dist::MpiRuntime runtime;
    torch::set_num_threads(1);
    auto comm = dist::make_communicator("mpi", torch::kCPU, late_ms > 0 ? 2 : 60);
    const bool late = late_ms > 0 && comm->rank() == comm->size() - 1;
    auto value = torch::ones({1});
    comm->all_reduce(value);  // connections up before counting
    const int64_t before = dist::watchdog_messages_sent();
    const auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < collectives; ++i) {
      if (late) std::this_thread::sleep_for(std::chrono::milliseconds(late_ms));
      comm->all_reduce(value);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto counts = torch::tensor({static_cast<double>(dist::watchdog_messages_sent() - before), seconds},
                                torch::kDouble);
    comm->all_reduce(counts);
    if (comm->rank() == 0) {
      const double total = counts[0].item<double>(), world = comm->size();
      std::printf("W=%d collectives=%lld late_ms=%lld watchdog_messages_total=%.0f per_rank_per_collective=%.3f "
                  "us_per_collective=%.1f\n", comm->size(), static_cast<long long>(collectives),
                  static_cast<long long>(late_ms), total,
                  total / world / static_cast<double>(collectives),
                  counts[1].item<double>() / world / static_cast<double>(collectives) * 1e6);
    }
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "synthview: error: %s\n", e.what());
    return static_cast<int>(e.code());
  }
}
