// `synthview train`: the contrastive training run, end to end.
#pragma once

#include <cstdint>
#include <string>

#include "core/config.h"

namespace synthview::train {

struct RunOptions {
  std::string resume;        // "" (fresh run), "auto" (newest good checkpoint in run.dir) or a path
  std::string command_line;  // recorded in checkpoints
};

struct RunSummary {
  int64_t step = 0;
  int64_t samples_drawn = 0;
  double last_loss = 0;
  std::string run_dir;
  std::string last_checkpoint;  // "" if none was written
  int stopped_by_signal = 0;    // SIGTERM/SIGINT/SIGUSR1 ended the run early (after a checkpoint), or 0
};

// Runs on every rank of the MPI job (the caller owns MPI initialisation through dist::MpiRuntime).
RunSummary run_training(const Config& config, const RunOptions& options);

}  // namespace synthview::train
