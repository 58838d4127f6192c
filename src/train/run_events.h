// A training run's TensorBoard event file (rank 0): metrics.jsonl's fields as scalars every step, a grid
// of anchors and their views every log.images_every steps, the resolved config once (docs/tensorboard.md).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "tensorboard/event_writer.h"

namespace synthview::train {

class RunEvents {
 public:
  // Rows of the views grid: the step's first draws on rank 0, as `synthview sample --n 8` shows them.
  static constexpr int64_t kGridRows = 8;

  // A new event file in run.dir, or nothing when log.tensorboard is off. `first_step` is the first step
  // this process writes (the resume step + 1): TensorBoard drops what older files hold from it on.
  RunEvents(const Config& config, int64_t first_step);

  // After a step: its metrics.jsonl fields, and on image steps the grid of `images` [b, V, C, H, W]
  // (anchor first, then its views; the step's batch on rank 0).
  void step(int64_t step, const std::vector<std::pair<std::string, double>>& fields, const torch::Tensor& images);

 private:
  int64_t images_every_;
  std::unique_ptr<tensorboard::EventWriter> writer_;
};

}  // namespace synthview::train
