#include "dist/gradient_reducer.h"

#include <chrono>
#include <map>

#include "core/error.h"

namespace synthview::dist {

GradientReducer::GradientReducer(std::shared_ptr<Communicator> comm, std::vector<torch::Tensor> parameters,
                                 int64_t bucket_bytes, bool overlap)
    : comm_(std::move(comm)), overlap_(overlap) {
  SV_CHECK(comm_ != nullptr, "GradientReducer needs a communicator");
  bucket_comm_ = comm_->duplicate("gradient buckets");
  slots_.reserve(parameters.size());
  std::map<torch::ScalarType, size_t> open_bucket;  // dtype -> bucket being filled
  std::vector<int64_t> bucket_elements;
  for (auto it = parameters.rbegin(); it != parameters.rend(); ++it) {
    const torch::Tensor& parameter = *it;
    if (!parameter.requires_grad()) continue;
    const auto dtype = parameter.scalar_type();
    auto open = open_bucket.find(dtype);
    const bool full = open != open_bucket.end() &&
                      bucket_elements[open->second] * static_cast<int64_t>(parameter.element_size()) >= bucket_bytes;
    if (open == open_bucket.end() || full) {
      open_bucket[dtype] = buckets_.size();
      buckets_.emplace_back();
      bucket_elements.push_back(0);
    }
    const size_t bucket = open_bucket[dtype];
    slots_.push_back(Slot{parameter, bucket, bucket_elements[bucket], false});
    buckets_[bucket].slots.push_back(slots_.size() - 1);
    bucket_elements[bucket] += parameter.numel();
  }
  for (size_t b = 0; b < buckets_.size(); ++b) {
    const auto& first = slots_[buckets_[b].slots.front()].parameter;
    buckets_[b].flat = torch::zeros({bucket_elements[b]}, first.options().requires_grad(false));
    buckets_[b].pending = buckets_[b].slots.size();
  }
  for (size_t s = 0; s < slots_.size(); ++s) {
    hook_handles_.push_back(slots_[s].parameter.register_hook([this, s](torch::Tensor grad) {
      on_gradient(s, grad);
      return torch::Tensor();  // gradient unchanged
    }));
  }
}

GradientReducer::~GradientReducer() {
  for (size_t s = 0; s < slots_.size(); ++s) slots_[s].parameter.remove_hook(hook_handles_[s]);
}

void GradientReducer::on_gradient(size_t slot_index, const torch::Tensor& grad) {
  if (!enabled_) return;
  Slot& slot = slots_[slot_index];
  SV_CHECK(!slot.ready, "parameter gradient arrived twice in one backward; call finish() after each backward");
  Bucket& bucket = buckets_[slot.bucket];
  torch::NoGradGuard no_grad;
  auto view = bucket.flat.narrow(0, slot.offset, slot.parameter.numel()).view_as(slot.parameter);
  // .grad still holds earlier (accumulated, un-synchronised) micro-batches: include them.
  const torch::Tensor& previous = slot.parameter.grad();
  if (previous.defined()) {
    torch::add_out(view, previous, grad);
  } else {
    view.copy_(grad);
  }
  slot.ready = true;
  if (--bucket.pending == 0 && overlap_) launch_ready_buckets();
}

void GradientReducer::launch_ready_buckets() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending == 0) {
    launch(buckets_[next_launch_++]);
    ++overlapped_;
  }
}

void GradientReducer::launch(Bucket& bucket) {
  torch::NoGradGuard no_grad;
  for (size_t s : bucket.slots) {
    Slot& slot = slots_[s];
    if (!slot.ready) {
      // No gradient here in this backward: contributes zeros (or what .grad accumulated earlier).
      auto view = bucket.flat.narrow(0, slot.offset, slot.parameter.numel()).view_as(slot.parameter);
      const torch::Tensor& previous = slot.parameter.grad();
      if (previous.defined()) {
        view.copy_(previous);
      } else {
        view.zero_();
      }
    }
  }
  bucket_comm_->set_step(comm_->step());  // for watchdog messages
  bucket.work = bucket_comm_->all_reduce_async(bucket.flat, kSum);
}

void GradientReducer::finish() {
  SV_CHECK(enabled_, "GradientReducer::finish() called while disabled");
  const auto started = std::chrono::steady_clock::now();
  while (next_launch_ < buckets_.size()) launch(buckets_[next_launch_++]);
  torch::NoGradGuard no_grad;
  const double world = comm_->size();
  for (auto& bucket : buckets_) {
    bucket.work->wait();
    bucket.flat.div_(world);
    for (size_t s : bucket.slots) {
      Slot& slot = slots_[s];
      auto view = bucket.flat.narrow(0, slot.offset, slot.parameter.numel()).view_as(slot.parameter);
      if (slot.parameter.grad().defined()) {
        slot.parameter.mutable_grad().copy_(view);
      } else {
        slot.parameter.mutable_grad() = view.clone();
      }
    }
  }
  last_overlapped_ = overlapped_;
  last_wait_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  reset_for_next_backward();
}

void GradientReducer::reset_for_next_backward() {
  for (auto& slot : slots_) slot.ready = false;
  for (auto& bucket : buckets_) {
    bucket.pending = bucket.slots.size();
    bucket.work.reset();
  }
  next_launch_ = 0;
  overlapped_ = 0;
}

void broadcast_module(Communicator& comm, torch::nn::Module& module) {
  if (comm.size() == 1) return;
  torch::NoGradGuard no_grad;
  std::vector<std::shared_ptr<Work>> pending;
  std::vector<torch::Tensor> tensors = module.parameters();
  for (auto& buffer : module.buffers()) tensors.push_back(buffer);
  for (auto& tensor : tensors) pending.push_back(comm.broadcast_async(tensor, 0));
  for (auto& work : pending) work->wait();
}

}  // namespace synthview::dist
