// Which real images and which latents a GAN update uses: pure functions of (seed, draw index) from the
// counter RNG, so a run is deterministic and a resumed run continues the same stream. Update u (counted over
// the whole run: n_dis discriminator updates then one generator update per step) owns draw indices
// [u * B, (u + 1) * B) of the global batch B; rank r takes the contiguous slice [r * b, (r + 1) * b), b = B / world.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace synthview::gan {

class BatchPlan {
 public:
  BatchPlan(uint64_t seed, int64_t global_batch, int rank, int world);
  int64_t local_batch() const { return local_; }
  // Draw indices of this rank's slice of update `update`: int64 [b].
  torch::Tensor draws(int64_t update) const;
  // Indices into a real split of `count` images, uniform with replacement.
  torch::Tensor real_indices(int64_t update, int64_t count) const;
  // Latents: standard normal truncated to [-2, 2] (the sampling law of the anchors), float32 [b, latent_dim].
  torch::Tensor latents(int64_t update, int64_t latent_dim) const;
  // Conditioning classes for the fakes, uniform in [0, num_classes) (zeros when unconditional).
  torch::Tensor classes(int64_t update, int64_t num_classes) const;

 private:
  uint64_t seed_;
  int64_t global_;
  int64_t local_;
  int rank_;
};

}  // namespace synthview::gan
