// Batch normalisation whose batch statistics cover the GLOBAL batch (all ranks), so W ranks with local
// batch b normalise exactly like one process with batch W*b.
//
// Forward (training): each rank's per-channel (count, mean, M2) are all-gathered and combined (Chan's
// parallel formula, numerically stable); running stats use the unbiased variance, like PyTorch.
// Backward: the per-channel sums of dy and dy*(x-mean) are all-reduced; weight/bias gradients are this
// rank's local sums (the GradientReducer's average over ranks then matches a single process; see gather.h).
// Eval mode uses the running statistics and no communication. With one rank it is plain batch norm.
//
// RULE: it is a collective in forward and backward: every rank must call it the same number of times in the
// same order (same layers, same micro-batches), or the job stops at the watchdog timeout. Its backward
// collective runs in graph order on `comm`; GradientReducer's hook-started buckets run on a duplicate of
// it, so the two cannot interleave differently on different ranks (gradient_reducer.h).
// Parameter/buffer names match torchvision's BatchNorm2d: weight, bias, running_mean, running_var,
// num_batches_tracked. Input [N, C, ...] (2-d feature maps, also [N, C]).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>

#include "dist/communicator.h"

namespace synthview::dist {

struct SyncBatchNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;
};

class SyncBatchNorm2dImpl : public torch::nn::Cloneable<SyncBatchNorm2dImpl> {
 public:
  SyncBatchNorm2dImpl(std::shared_ptr<Communicator> comm, int64_t num_features, SyncBatchNormOptions options = {});

  void reset() override;
  torch::Tensor forward(const torch::Tensor& input);
  void pretty_print(std::ostream& stream) const override;

  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  std::shared_ptr<Communicator> comm_;
  int64_t num_features_;
  SyncBatchNormOptions options_;
};
TORCH_MODULE(SyncBatchNorm2d);

// Norm-layer factory for encoders that take `std::function<AnyModule(int64_t channels)>`.
std::function<torch::nn::AnyModule(int64_t)> sync_batch_norm_factory(std::shared_ptr<Communicator> comm,
                                                                     SyncBatchNormOptions options = {});

}  // namespace synthview::dist
