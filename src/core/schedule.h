// Which samples each rank draws at each step (DESIGN.md invariants 1 and 2).
// The run keeps one counter, samples_drawn; a step consumes the next global_batch draw
// indices and rank r takes the r-th contiguous slice. Because the slice depends only on
// samples_drawn, a resume on another world size continues the same stream.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace synthview {

class SampleSchedule {
 public:
  // unique_samples = 0: unbounded stream; N > 0: anchors repeat with period N.
  SampleSchedule(int64_t global_batch, int world_size, int rank, int64_t unique_samples);

  int64_t global_batch() const { return global_batch_; }
  int64_t local_batch() const { return global_batch_ / world_size_; }
  int world_size() const { return world_size_; }
  int rank() const { return rank_; }
  int64_t unique_samples() const { return unique_samples_; }

  // This rank's draw indices for a step that starts at samples_drawn: [local_batch] int64.
  // Draw indices never repeat within a run; view noise and augmentations are keyed by them.
  torch::Tensor draw_indices(int64_t samples_drawn) const;
  // The anchor each draw shows: the draw index itself, or draw mod N in a finite pool.
  torch::Tensor anchor_indices(const torch::Tensor& draws) const;
  // samples_drawn after one step.
  int64_t advance(int64_t samples_drawn) const { return samples_drawn + global_batch_; }

 private:
  int64_t global_batch_;
  int world_size_;
  int rank_;
  int64_t unique_samples_;
};

}  // namespace synthview
