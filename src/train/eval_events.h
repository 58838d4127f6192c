// `synthview eval` of a checkpoint adds its accuracies to the TensorBoard curves of the run it came from.
#pragma once

#include <cstdint>
#include <string>

#include "eval/report.h"

namespace synthview::train {

// The run folder of a checkpoint: <run>/checkpoints/step-N.h5 -> <run>; a checkpoint elsewhere -> its folder.
std::string run_folder_of(const std::string& checkpoint_path);

// Writes the report's test accuracies (fractions, as in --json) at `step` into a new event file of the
// checkpoint's run folder: eval/linear_top1, eval/linear_top5, eval/knn_k<k>_top1, eval/knn_k<k>_top5.
// No SessionLog: the training curves stay as they are. Returns the file's path.
std::string append_eval_events(const eval::EvalReport& report, int64_t step);

}  // namespace synthview::train
