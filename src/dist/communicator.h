// The collectives interface every distributed part of synthview talks to. Backends: MpiCommunicator
// (CPU tensors) and NcclCommunicator (CUDA tensors); make_communicator picks one.
//
// Rules for callers:
// - Every rank issues the same collectives in the same order with the same shapes and dtypes, per
//   communicator: a duplicate() has an order of its own (GradientReducer starts its buckets on one).
// - An async op owns its tensor until wait(): do not read or write it before.
// - A collective that does not complete within the timeout ends the job (exit 3) with one line naming the
//   operation, the step (set_step) and the ranks that did not arrive; see docs/distributed.md.
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace synthview::dist {

enum class ReduceOp { kSum, kMax, kMin, kAvg };
constexpr ReduceOp kSum = ReduceOp::kSum;
constexpr ReduceOp kMax = ReduceOp::kMax;
constexpr ReduceOp kMin = ReduceOp::kMin;
constexpr ReduceOp kAvg = ReduceOp::kAvg;

// Handle of an asynchronous collective.
class Work {
 public:
  virtual ~Work() = default;
  // Blocks until the result is in place (for CUDA: ordered before later work on the current stream).
  virtual void wait() = 0;
  // True once wait() would not block.
  virtual bool ready() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual int local_rank() const = 0;  // rank among the processes on this node (MPI_Comm_split_type SHARED)
  virtual int local_size() const = 0;
  virtual torch::Device device() const = 0;
  virtual std::string backend() const = 0;

  // In place: tensor becomes the reduction over ranks.
  virtual std::shared_ptr<Work> all_reduce_async(torch::Tensor& tensor, ReduceOp op = kSum) = 0;
  // Returns (after wait) the concatenation along dim 0 of every rank's tensor, in rank order. Same shape on
  // all ranks. The result tensor is valid after wait().
  virtual std::shared_ptr<Work> all_gather_async(const torch::Tensor& tensor, torch::Tensor& result) = 0;
  // Input dim 0 = size() * n; result (after wait) = this rank's n rows of the sum over ranks.
  virtual std::shared_ptr<Work> reduce_scatter_async(const torch::Tensor& tensor, torch::Tensor& result) = 0;
  // In place: every rank gets root's tensor.
  virtual std::shared_ptr<Work> broadcast_async(torch::Tensor& tensor, int root) = 0;
  virtual std::shared_ptr<Work> barrier_async() = 0;

  // A communicator of the same backend over the same ranks that orders its collectives on its own: its
  // own MPI communicator, communication thread and watchdog arrivals (NCCL: its own ncclComm and
  // stream). Collectives on the two never match each other, so a caller that orders its collectives
  // independently of the program order (GradientReducer: buckets started from autograd hooks) cannot
  // interleave with the collectives others issue meanwhile. `label` names it in watchdog messages.
  // A collective call (every rank, in order with this communicator's other collectives).
  virtual std::shared_ptr<Communicator> duplicate(const std::string& label) = 0;

  // Blocking forms.
  void all_reduce(torch::Tensor& tensor, ReduceOp op = kSum) { all_reduce_async(tensor, op)->wait(); }
  torch::Tensor all_gather(const torch::Tensor& tensor);
  torch::Tensor reduce_scatter(const torch::Tensor& tensor);
  void broadcast(torch::Tensor& tensor, int root) { broadcast_async(tensor, root)->wait(); }
  void barrier() { barrier_async()->wait(); }

  // The training step, named by watchdog messages.
  void set_step(int64_t step) { step_.store(step); }
  int64_t step() const { return step_.load(); }

 private:
  std::atomic<int64_t> step_{-1};
};

// backend: "auto" (nccl for a CUDA device, mpi otherwise), "mpi" or "nccl". Needs an MpiRuntime alive (NCCL
// bootstraps over MPI). timeout_s <= 0 disables the watchdog. A collective call: every rank calls it.
std::shared_ptr<Communicator> make_communicator(const std::string& backend, torch::Device device, double timeout_s);

// Output shape of all_gather / reduce_scatter for an input of `shape` on `world` ranks.
std::vector<int64_t> gathered_shape(torch::IntArrayRef shape, int world);
std::vector<int64_t> scattered_shape(torch::IntArrayRef shape, int world);

const char* reduce_op_name(ReduceOp op);

}  // namespace synthview::dist
