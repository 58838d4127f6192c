// Guards for the steps before a communicator's watchdog exists (NCCL setup: unique-id broadcast,
// ncclCommInitRank). A rank that dies or stalls there would leave the others blocked forever in a
// call that cannot be interrupted; SetupDeadline ends the job instead (exit 3, naming the stage).
#pragma once

#include <mpi.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace synthview::dist {

class SetupDeadline {
 public:
  // timeout_s <= 0: no deadline (dist.timeout_s = 0 turns every watchdog off).
  SetupDeadline(std::string what, double timeout_s, int rank);
  ~SetupDeadline();  // disarms
  SetupDeadline(const SetupDeadline&) = delete;
  SetupDeadline& operator=(const SetupDeadline&) = delete;
  // Names the stage now running, for the message if the deadline passes during it.
  void stage(const std::string& name);

 private:
  void watch(double timeout_s);
  std::string what_;
  int rank_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string stage_ = "start";
  bool done_ = false;
  std::thread thread_;
};

// One line naming the ranks of `host` that would share a GPU, or "" when every rank has its own.
// gpu_ids[i] and world_ranks[i] belong to local rank i; visible_gpus is what CUDA shows each rank.
std::string shared_gpu_problem(const std::vector<std::string>& gpu_ids, const std::vector<int>& world_ranks,
                               const std::string& host, int visible_gpus);

// Collective over the ranks of `comm`: gathers every rank's GPU identity (e.g. its UUID) among the
// ranks of its host and throws InputError with shared_gpu_problem's line on every rank of that
// host when two would share a GPU (NCCL refuses that, with a less helpful message).
void check_one_rank_per_gpu(MPI_Comm comm, const std::string& gpu_id, int visible_gpus);

}  // namespace synthview::dist
