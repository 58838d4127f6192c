// Counter-based random numbers as tensor ops: every value is a pure function of
// (seed, stream, index, component), so a sample is the same on any rank, world size, batch
// composition or device. The integer hashing is exact on every device (32-bit words kept in
// int64 tensors, multiplications split so nothing overflows); the float transforms run in
// float64 and agree across devices to within float32 rounding.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace synthview {

// Independent streams: the same index in two streams gives unrelated values.
enum class RngStream : int64_t {
  kAnchorLatent = 1,    // keyed by anchor index (index mod N in a finite pool)
  kAnchorClass = 2,     // keyed by anchor index
  kViewDelta = 3,       // keyed by draw index: fresh views for a repeated anchor
  kIndependentView = 4, // keyed by draw index
  kAugment = 5,         // keyed by draw index (and view number in the component)
  kModelInit = 6,
  kRealOrder = 7,       // epoch permutations of real images (data.source=real)
  kUser = 100,          // first stream free for other uses
};

class CounterRng {
 public:
  explicit CounterRng(uint64_t seed) : seed_(seed) {}
  uint64_t seed() const { return seed_; }

  // Raw 32-bit words in [0, 2^32) as int64, shape [indices.size(0), components].
  // `indices` is an int64 tensor of sample indices (any device); the result lives on its device.
  torch::Tensor bits(RngStream stream, const torch::Tensor& indices, int64_t components) const;

  // Uniform in the open interval (0, 1), float64, 53 bits of randomness.
  torch::Tensor uniform(RngStream stream, const torch::Tensor& indices, int64_t components) const;
  // Standard normal, float64 (inverse-CDF transform, so one uniform gives one normal).
  torch::Tensor normal(RngStream stream, const torch::Tensor& indices, int64_t components) const;
  // Standard normal truncated to [-bound, bound], float64 (exact inverse CDF of the truncated law).
  torch::Tensor truncated_normal(RngStream stream, const torch::Tensor& indices, int64_t components,
                                 double bound) const;
  // Integers uniform in [0, upper), int64 (upper <= 2^31; modulo bias below 2^-21 is accepted).
  torch::Tensor integers(RngStream stream, const torch::Tensor& indices, int64_t components,
                         int64_t upper) const;

 private:
  uint64_t seed_;
};

// lowbias32 (Wellons) on 32-bit words held in int64 tensors; exposed for tests.
torch::Tensor hash32(const torch::Tensor& words);

}  // namespace synthview
