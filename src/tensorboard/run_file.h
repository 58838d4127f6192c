// The event file of one `train` or `train-generator` process in its run folder.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tensorboard/event_writer.h"

namespace synthview::tensorboard {

// A new event file in `run_dir` whose records start at `first_step` (the resume step + 1: TensorBoard drops
// what older files of the folder hold from that step on), beginning with the resolved config (YAML) as
// text tagged "config" at `first_step`.
std::unique_ptr<EventWriter> open_run_events(const std::string& run_dir, const std::string& kind, int64_t first_step,
                                             const std::string& config_yaml);

}  // namespace synthview::tensorboard
