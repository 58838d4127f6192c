// Work that rank 0 does alone (reading or writing a checkpoint) while the other ranks wait for its
// outcome. The wait is bounded by rank 0's silence, not by the work's length: while it works, rank 0
// sends a heartbeat every timeout_s / 4 (at most 5 s), and a waiting rank that hears nothing for timeout_s
// throws a DistributedError naming rank 0. A slow disk therefore never trips dist.timeout_s, while a
// frozen, dead or cut-off rank 0 still ends the job. An error in the work ends every rank with rank 0's
// message and exit code, at once, instead of leaving the others in a collective until the watchdog fires.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace synthview::dist {

class RootTask {
 public:
  // Collective over parent (duplicates it). timeout_s <= 0: the others wait without a deadline.
  RootTask(MPI_Comm parent, double timeout_s);
  ~RootTask();
  RootTask(const RootTask&) = delete;
  RootTask& operator=(const RootTask&) = delete;

  // Every rank calls it, in the same order; `work` runs on rank 0 only. Returns on every rank once it
  // succeeded. When it throws, rank 0 rethrows its exception and every other rank throws an Error with
  // rank 0's message and exit code. `what` says what rank 0 is doing ("writing checkpoint X").
  void run(const std::string& what, const std::function<void()>& work);

 private:
  struct Outcome {
    int64_t code = 0;  // exit code of rank 0's error, 0 when the work succeeded
    std::string message;
  };
  Outcome await_outcome(const std::string& what);  // ranks > 0
  // Rank 0: sends the outcome to every peer and completes those sends and the heartbeats' (`pending`).
  void send_outcome(const Outcome& outcome, std::vector<MPI_Request> pending, const std::string& what);

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  double timeout_s_;
  std::string root_host_;  // rank 0's host, for messages on the others
};

}  // namespace synthview::dist
