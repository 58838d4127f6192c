// A generator shard that runs ahead of the trainer: a background producer builds the ViewBatch
// for step t+1 (and up to `depth` steps ahead) while step t trains.
//
// Threads: the producer sets its own intra-op thread count (`producer_threads`, default 1) in
// its thread; with LibTorch's OpenMP backend that count is per calling thread, so the trainer's
// setting is untouched. Size train.threads + producer_threads to the cores of a rank.
// On CUDA the producer works on its own stream from the pool; a batch is handed over only once
// that stream has finished it, and the consumer's stream is recorded on the batch's tensors.
#pragma once

#include <torch/torch.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/schedule.h"
#include "gen/views.h"

namespace synthview::gen {

class PrefetchingShard {
 public:
  // Builds the batch for a step from this rank's draw and anchor indices.
  using Produce = std::function<ViewBatch(const torch::Tensor& draws, const torch::Tensor& anchors)>;

  // Batches for consecutive steps starting at samples_drawn = start. depth = data.prefetch
  // (0: synchronous, next() produces in the caller's thread).
  PrefetchingShard(Produce produce, const SampleSchedule& schedule, int64_t start, int64_t depth,
                   torch::Device device = torch::kCPU, int producer_threads = 1);
  PrefetchingShard(std::shared_ptr<const ViewMaker> maker, const SampleSchedule& schedule, int64_t start,
                   int64_t depth, torch::Device device = torch::kCPU, int producer_threads = 1);
  // Stops the producer (even while it waits on a full queue) and joins it; at most one batch in
  // production is finished first.
  ~PrefetchingShard();
  PrefetchingShard(const PrefetchingShard&) = delete;
  PrefetchingShard& operator=(const PrefetchingShard&) = delete;

  // The next step's batch, in order. An exception thrown by the producer is rethrown here (same
  // type and message) when its step is reached, and again on every later call.
  ViewBatch next();
  // samples_drawn at the start of the batch the next call to next() returns.
  int64_t samples_drawn() const { return consumed_; }

 private:
  struct Slot {
    ViewBatch batch;
    std::exception_ptr error;
  };
  ViewBatch produce_at(int64_t samples_drawn);
  void run();

  Produce produce_;
  SampleSchedule schedule_;
  int64_t depth_;
  torch::Device device_;
  int producer_threads_;
  int64_t consumed_;   // consumer position (consumer thread only)
  int64_t produced_;   // producer position (producer thread only)

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Slot> queue_;
  bool stopping_ = false;
  std::exception_ptr failed_;  // consumer side: sticky after a producer error
  std::thread producer_;
};

}  // namespace synthview::gen
