// Checkpoint capture and restore for a training run: model, buffers, optimizer state, counters,
// metric history (layout in docs/checkpoint-format.md).
#pragma once

#include <string>
#include <vector>

#include "ckpt/checkpoint.h"
#include "train/components.h"

namespace synthview::train {

// Appends one row (a value per column, in the same order every time) to the history.
void record_history(ckpt::MetricHistory& history, int64_t step,
                    const std::vector<std::pair<std::string, double>>& values);

struct CaptureInput {
  const Config& config;
  const std::string& command_line;
  const Components& parts;
  const ckpt::MetricHistory& history;
  int64_t step;
  int64_t samples_drawn;
  double lr;
};
// Every tensor in the result is a deep host copy (ckpt::host_copy), so it can be written in the
// background while training goes on.
ckpt::Checkpoint capture_state(const CaptureInput& input);

struct RestoredCounters {
  int64_t step = 0;
  int64_t samples_drawn = 0;
  std::vector<std::string> warnings;  // world size or global batch changed (elastic resume)
};

// Loads `path` into the model and optimizer. A checkpoint of another architecture is an InputError
// listing every mismatched tensor; a corrupt file is an InputError naming the path.
RestoredCounters restore_state(const std::string& path, const Config& config, Components& parts,
                               ckpt::MetricHistory& history);

}  // namespace synthview::train
