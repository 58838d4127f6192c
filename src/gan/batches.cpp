#include "gan/batches.h"

#include "core/error.h"
#include "core/rng.h"

namespace synthview::gan {
namespace {

// Streams of their own, unrelated to the contrastive trainer's.
RngStream stream(int64_t offset) { return static_cast<RngStream>(static_cast<int64_t>(RngStream::kUser) + 20 + offset); }

}  // namespace

BatchPlan::BatchPlan(uint64_t seed, int64_t global_batch, int rank, int world)
    : seed_(seed), global_(global_batch), local_(global_batch / world), rank_(rank) {
  if (global_batch % world != 0) {
    throw InputError(synthview::str("gan.batch_size=", global_batch, " does not divide by the world size ", world));
  }
}

torch::Tensor BatchPlan::draws(int64_t update) const {
  return torch::arange(local_, torch::kInt64) + (update * global_ + rank_ * local_);
}

torch::Tensor BatchPlan::real_indices(int64_t update, int64_t count) const {
  return CounterRng(seed_).integers(stream(0), draws(update), 1, count).squeeze(1);
}

torch::Tensor BatchPlan::latents(int64_t update, int64_t latent_dim) const {
  return CounterRng(seed_).truncated_normal(stream(1), draws(update), latent_dim, 2.0).to(torch::kFloat32);
}

torch::Tensor BatchPlan::classes(int64_t update, int64_t num_classes) const {
  if (num_classes <= 0) return torch::zeros({local_}, torch::kInt64);
  return CounterRng(seed_).integers(stream(2), draws(update), 1, num_classes).squeeze(1);
}

}  // namespace synthview::gan
