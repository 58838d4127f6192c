#include "core/schedule.h"

#include "core/error.h"

namespace synthview {

SampleSchedule::SampleSchedule(int64_t global_batch, int world_size, int rank, int64_t unique_samples)
    : global_batch_(global_batch), world_size_(world_size), rank_(rank), unique_samples_(unique_samples) {
  if (world_size < 1) throw InputError(str("world size must be >= 1, got ", world_size));
  if (rank < 0 || rank >= world_size) {
    throw InputError(str("rank ", rank, " is outside the world of ", world_size, " ranks"));
  }
  if (global_batch < 1) throw InputError(str("train.batch_size must be >= 1, got ", global_batch));
  if (global_batch % world_size != 0) {
    throw InputError(str("train.batch_size=", global_batch, " does not divide by the world size ", world_size,
                         " (expected a multiple of ", world_size, ", e.g. ",
                         ((global_batch + world_size - 1) / world_size) * world_size, ")"));
  }
  if (unique_samples < 0) throw InputError(str("data.unique_samples must be >= 0, got ", unique_samples));
}

torch::Tensor SampleSchedule::draw_indices(int64_t samples_drawn) const {
  SV_CHECK(samples_drawn >= 0, "samples_drawn must be >= 0, got ", samples_drawn);
  int64_t first = samples_drawn + rank_ * local_batch();
  return torch::arange(first, first + local_batch(), torch::kInt64);
}

torch::Tensor SampleSchedule::anchor_indices(const torch::Tensor& draws) const {
  if (unique_samples_ == 0) return draws;
  return torch::remainder(draws, unique_samples_);
}

}  // namespace synthview
