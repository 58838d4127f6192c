#include "gen/prefetch.h"

#include "core/error.h"

#ifdef SYNTHVIEW_WITH_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <optional>
#endif

namespace synthview::gen {
namespace {

#ifdef SYNTHVIEW_WITH_CUDA
// The consumer's stream will read these tensors: tell the caching allocator, so memory freed by
// the consumer is not reused by the producer's stream before the consumer's kernels are done.
void record_consumer_stream(const ViewBatch& batch) {
  for (const torch::Tensor* t : {&batch.anchors, &batch.views, &batch.class_ids, &batch.draw_indices}) {
    if (t->defined() && t->is_cuda()) t->record_stream(c10::cuda::getCurrentCUDAStream(t->device().index()));
  }
}
#endif

}  // namespace

PrefetchingShard::PrefetchingShard(Produce produce, const SampleSchedule& schedule, int64_t start, int64_t depth,
                                   torch::Device device, int producer_threads)
    : produce_(std::move(produce)),
      schedule_(schedule),
      depth_(depth),
      device_(device),
      producer_threads_(producer_threads),
      consumed_(start),
      produced_(start) {
  SV_CHECK(depth >= 0, "prefetch depth must be >= 0, got ", depth);
  SV_CHECK(producer_threads >= 1, "producer threads must be >= 1, got ", producer_threads);
  if (depth_ > 0) producer_ = std::thread([this] { run(); });
}

PrefetchingShard::PrefetchingShard(std::shared_ptr<const ViewMaker> maker, const SampleSchedule& schedule,
                                   int64_t start, int64_t depth, torch::Device device, int producer_threads)
    : PrefetchingShard([maker](const torch::Tensor& draws, const torch::Tensor& anchors) {
                         return maker->make(draws, anchors);
                       },
                       schedule, start, depth, device, producer_threads) {}

PrefetchingShard::~PrefetchingShard() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (producer_.joinable()) producer_.join();
}

ViewBatch PrefetchingShard::produce_at(int64_t samples_drawn) {
  torch::Tensor draws = schedule_.draw_indices(samples_drawn);
  return produce_(draws, schedule_.anchor_indices(draws));
}

void PrefetchingShard::run() {
  at::set_num_threads(producer_threads_);
  torch::NoGradGuard no_grad;
#ifdef SYNTHVIEW_WITH_CUDA
  std::optional<c10::cuda::CUDAStreamGuard> stream_guard;
  if (device_.is_cuda()) stream_guard.emplace(c10::cuda::getStreamFromPool(false, device_.index()));
#endif
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || static_cast<int64_t>(queue_.size()) < depth_; });
      if (stopping_) return;
    }
    Slot slot;
    try {
      slot.batch = produce_at(produced_);
#ifdef SYNTHVIEW_WITH_CUDA
      if (stream_guard) stream_guard->current_stream().synchronize();
#endif
    } catch (...) {
      slot.error = std::current_exception();
    }
    produced_ = schedule_.advance(produced_);
    const bool failed = slot.error != nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(slot));
    }
    changed_.notify_all();
    if (failed) return;  // nothing after a failed step is valid
  }
}

ViewBatch PrefetchingShard::next() {
  if (failed_) std::rethrow_exception(failed_);
  ViewBatch batch;
  if (depth_ == 0) {
    batch = produce_at(consumed_);
  } else {
    Slot slot;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return !queue_.empty(); });
      slot = std::move(queue_.front());
      queue_.pop_front();
    }
    changed_.notify_all();
    if (slot.error) {
      failed_ = slot.error;
      std::rethrow_exception(failed_);
    }
    batch = std::move(slot.batch);
#ifdef SYNTHVIEW_WITH_CUDA
    record_consumer_stream(batch);
#endif
  }
  consumed_ = schedule_.advance(consumed_);
  return batch;
}

}  // namespace synthview::gen
