// Gradient averaging over ranks with bucketing and (optionally) overlap with backward.
//
// Parameters are grouped, in REVERSE registration order (roughly the order backward produces their
// gradients), into buckets of about bucket_bytes per dtype. A hook on each parameter copies its gradient into
// the bucket's flat buffer and marks it ready; with overlap on, a full bucket starts an asynchronous
// all-reduce while backward continues. Buckets always start in bucket order (identical on every rank), so a
// rank whose backward produced gradients in another order cannot mismatch collectives. finish() starts what
// is left, waits, divides by the world size and writes the average into every parameter's .grad.
//
// The buckets run on a communicator of their own (comm->duplicate(), made by the constructor), never on
// `comm`: when a bucket starts depends on this rank's hooks (a parameter unused on some ranks makes its
// bucket ready mid-backward on the others only), while SyncBatchNorm's and the gather's backward issue
// their collectives on `comm` in graph order. On one communicator the two orders would interleave
// differently on different ranks: collectives of different sizes matched (MPI_ERR_TRUNCATE, wrong sums)
// or a hang. On two, each is the same on every rank. See docs/distributed.md.
//
// Parameters without a gradient in this backward (unused branch, frozen by the graph) count as zeros: they
// never block a bucket, because finish() starts every bucket on every rank. After finish() every parameter
// has a defined .grad equal on all ranks. Call finish() exactly once per backward, on every rank.
// For gradient accumulation, set_enabled(false) for the micro-batches that should not communicate (their
// gradients accumulate in .grad as usual; the next enabled backward includes them).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "dist/communicator.h"

namespace synthview::dist {

class GradientReducer {
 public:
  // A collective call over comm (it duplicates comm).
  GradientReducer(std::shared_ptr<Communicator> comm, std::vector<torch::Tensor> parameters, int64_t bucket_bytes,
                  bool overlap);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Waits for every bucket and leaves the rank-averaged gradient in each parameter's .grad.
  void finish();
  void set_enabled(bool enabled) { enabled_ = enabled; }

  size_t bucket_count() const { return buckets_.size(); }
  // Seconds the last finish() spent waiting for communication ("communication wait" in the logs).
  double last_wait_seconds() const { return last_wait_s_; }
  // Buckets the last backward started before finish() (overlapped with backward).
  int64_t last_overlapped_buckets() const { return last_overlapped_; }

 private:
  struct Slot {
    torch::Tensor parameter;
    size_t bucket = 0;
    int64_t offset = 0;  // elements into the bucket's flat buffer
    bool ready = false;
  };
  struct Bucket {
    torch::Tensor flat;
    std::vector<size_t> slots;
    size_t pending = 0;  // slots not yet ready in this backward
    std::shared_ptr<Work> work;
  };

  void on_gradient(size_t slot, const torch::Tensor& grad);
  void launch_ready_buckets();
  void launch(Bucket& bucket);
  void reset_for_next_backward();

  std::shared_ptr<Communicator> comm_;
  std::shared_ptr<Communicator> bucket_comm_;  // comm_->duplicate(): the buckets' own ordering
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  std::vector<unsigned> hook_handles_;
  bool overlap_;
  bool enabled_ = true;
  size_t next_launch_ = 0;
  double last_wait_s_ = 0;
  int64_t last_overlapped_ = 0;
  int64_t overlapped_ = 0;  // buckets started by hooks in the current backward
};

// Copies rank 0's parameters and buffers into every rank's module (call once after construction).
void broadcast_module(Communicator& comm, torch::nn::Module& module);

}  // namespace synthview::dist
