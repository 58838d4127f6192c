// What a training run is made of, built once from the config: device, communicator, model,
// optimizer, learning-rate schedule, gradient reducer, and the source of view batches.
#pragma once

#include <memory>

#include "core/config.h"
#include "core/rng.h"
#include "core/schedule.h"
#include "dist/communicator.h"
#include "dist/gradient_reducer.h"
#include "gen/generator.h"
#include "model/contrastive_model.h"
#include "optim/lr_schedule.h"
#include "optim/optimizer.h"

namespace synthview::train {

struct Components {
  torch::Device device = torch::kCPU;
  std::shared_ptr<dist::Communicator> comm;
  std::shared_ptr<gen::Generator> generator;  // null for data.source=real
  model::ContrastiveModel model{nullptr};
  int64_t image_channels = 0;
  int64_t image_size = 0;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  optim::LrSchedule lr_schedule{0.0, "none", 1, 0, 1};
  std::unique_ptr<dist::GradientReducer> reducer;
};

// Device and threads, communicator, generator (for the image shape), model with its norm layer,
// parameters broadcast from rank 0, optimizer, schedule and reducer.
Components build_components(const Config& config);

// A step's images: [b, V, C, H, W] on the training device (V = views per anchor, anchor included),
// and per-anchor labels [b] (generator classes, or real labels; used by SupCon).
struct ViewBatchOnDevice {
  torch::Tensor images;
  torch::Tensor labels;
};

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // The batch of the next step; batches come in step order starting at the samples_drawn given at creation.
  virtual ViewBatchOnDevice next() = 0;
};

// Generated views through the prefetching generator shard, or real Fashion-MNIST images with pixel
// augmentations (data.source=real).
std::unique_ptr<BatchSource> make_batch_source(const Config& config, const Components& parts,
                                               const SampleSchedule& schedule, int64_t samples_drawn);

// The real training image an anchor index shows: a fresh permutation of the pool per epoch, keyed by
// the seed (so data.source=real is as reproducible and resumable as generated data).
torch::Tensor real_image_indices(const CounterRng& rng, const torch::Tensor& anchors, int64_t pool);

}  // namespace synthview::train
