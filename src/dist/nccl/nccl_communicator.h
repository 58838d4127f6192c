// Collectives on CUDA tensors over NCCL (built only when LibTorch has CUDA: SYNTHVIEW_WITH_CUDA).
// Setup: local rank (MPI_Comm_split_type SHARED) -> device, rank 0 makes the NCCL unique id, MPI_Bcast,
// ncclCommInitRank. Collectives run on the communicator's own stream, which first waits (event) for the
// caller's current stream; Work::wait() makes the caller's current stream wait for the result (the host
// does not block, except for barrier). A watchdog thread polls completion events and NCCL's async error
// state: a collective older than the timeout aborts the NCCL communicator and ends the job (exit 3), naming
// the collective, the step and the ranks that did not arrive (arrival announcements go over MPI).
// duplicate() makes a second NcclCommunicator the same way (its own ncclComm, stream and watchdog).
#pragma once

#include <mpi.h>

#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

#include "dist/arrival.h"
#include "dist/communicator.h"
#include "dist/mpi_runtime.h"
#include "dist/nccl/nccl_raw.h"

namespace synthview::dist {

class NcclCommunicator final : public Communicator {
 public:
  // Collective over parent. label: see Communicator::duplicate().
  NcclCommunicator(MPI_Comm parent, double timeout_s, const std::string& label = "");
  ~NcclCommunicator() override;

  int rank() const override { return place_.rank; }
  int size() const override { return place_.size; }
  int local_rank() const override { return place_.local_rank; }
  int local_size() const override { return place_.local_size; }
  torch::Device device() const override { return torch::Device(torch::kCUDA, device_index_); }
  std::string backend() const override { return "nccl"; }

  std::shared_ptr<Work> all_reduce_async(torch::Tensor& tensor, ReduceOp op = kSum) override;
  std::shared_ptr<Work> all_gather_async(const torch::Tensor& tensor, torch::Tensor& result) override;
  std::shared_ptr<Work> reduce_scatter_async(const torch::Tensor& tensor, torch::Tensor& result) override;
  std::shared_ptr<Work> broadcast_async(torch::Tensor& tensor, int root) override;
  std::shared_ptr<Work> barrier_async() override;
  std::shared_ptr<Communicator> duplicate(const std::string& label) override;

 private:
  struct Pending {
    std::unique_ptr<nccl_raw::Event> done;
    const char* name;
    int64_t seq;
    int64_t step;
    std::chrono::steady_clock::time_point started;
    std::vector<torch::Tensor> keep_alive;  // buffers in use on the communication stream
  };
  // issue: enqueues the raw NCCL call; finish: runs in wait() (stream-ordered copy-back).
  std::shared_ptr<Work> enqueue(const char* name, std::vector<torch::Tensor> keep_alive,
                                const std::function<void()>& issue, std::function<void()> finish,
                                bool host_wait = false);
  void check_tensor(const torch::Tensor& tensor, const char* what) const;
  void watch();

  MPI_Comm mpi_ = MPI_COMM_NULL;  // a duplicate of parent, used by duplicate() only (the caller's thread)
  ProcessPlace place_;
  int device_index_ = 0;
  double timeout_s_;
  double announce_after_s_;  // the oldest collective pending this long announces this rank's arrivals
  std::unique_ptr<ArrivalTracker> arrivals_;
  std::unique_ptr<nccl_raw::Comm> raw_;

  std::mutex mutex_;
  std::deque<Pending> pending_;
  int64_t next_seq_ = 0;
  bool stopping_ = false;
  std::thread watchdog_;
};

std::shared_ptr<Communicator> make_nccl_communicator(MPI_Comm parent, double timeout_s);

}  // namespace synthview::dist
