// Collectives on CPU tensors over MPI. Every op becomes a non-blocking MPI call started and polled
// (MPI_Test) by one communication thread, in submission order: that thread makes progress while the
// caller computes (overlap), and it is the watchdog: an op not done within the timeout ends the job.
// bf16/half tensors are reduced in float32 (MPI has no bf16 type) and moved as raw 16-bit words otherwise.
#pragma once

#include <mpi.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "dist/arrival.h"
#include "dist/communicator.h"
#include "dist/mpi_runtime.h"

namespace synthview::dist {

class MpiOp;

class MpiCommunicator final : public Communicator {
 public:
  // Collective over parent (duplicated). timeout_s <= 0: no deadline. label: see duplicate().
  MpiCommunicator(MPI_Comm parent, double timeout_s, const std::string& label = "");
  ~MpiCommunicator() override;

  int rank() const override { return place_.rank; }
  int size() const override { return place_.size; }
  int local_rank() const override { return place_.local_rank; }
  int local_size() const override { return place_.local_size; }
  torch::Device device() const override { return torch::kCPU; }
  std::string backend() const override { return "mpi"; }

  std::shared_ptr<Work> all_reduce_async(torch::Tensor& tensor, ReduceOp op = kSum) override;
  std::shared_ptr<Work> all_gather_async(const torch::Tensor& tensor, torch::Tensor& result) override;
  std::shared_ptr<Work> reduce_scatter_async(const torch::Tensor& tensor, torch::Tensor& result) override;
  std::shared_ptr<Work> broadcast_async(torch::Tensor& tensor, int root) override;
  std::shared_ptr<Work> barrier_async() override;
  std::shared_ptr<Communicator> duplicate(const std::string& label) override;

 private:
  // start: issues the MPI call on the communication thread; finish: runs in wait() on the caller's thread.
  std::shared_ptr<Work> submit(const char* name, std::function<void(MPI_Request*)> start,
                               std::function<void()> finish);
  void run_ops();
  void complete(MpiOp& op);
  [[noreturn]] void time_out(const MpiOp& op);
  void check_tensor(const torch::Tensor& tensor, const char* what) const;

  MPI_Comm comm_ = MPI_COMM_NULL;
  ProcessPlace place_;
  double timeout_s_;
  double announce_after_s_;  // a collective waited on this long announces this rank's arrival
  std::unique_ptr<ArrivalTracker> arrivals_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<MpiOp>> queue_;
  bool stopping_ = false;
  int64_t next_seq_ = 0;
  std::thread thread_;
};

}  // namespace synthview::dist
