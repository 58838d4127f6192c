// Checkpoints inside a run folder: run.dir/checkpoints/step-%08d.h5, found, chosen for resume, rotated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace synthview::ckpt {

// run_dir/checkpoints/step-00000100.h5
std::string checkpoint_path(const std::string& run_dir, int64_t step);

// (step, path) of every step-%08d.h5 in `checkpoints_dir`, oldest first; other files are ignored.
std::vector<std::pair<int64_t, std::string>> list_checkpoints(const std::string& checkpoints_dir);

// For `--resume auto`: the newest checkpoint under run_dir/checkpoints that verifies, or nullopt if
// there is none. Each newer one that fails verification is skipped, with one line saying why
// appended to *skipped_messages (when given).
std::optional<std::string> find_resume_checkpoint(const std::string& run_dir,
                                                  std::vector<std::string>* skipped_messages = nullptr);

// Removes all but the newest `keep` checkpoints in `checkpoints_dir` (keep >= 1), and temporary files
// left by a writer that died (step-*.h5.tmp.<pid> of another process). Call it only after a
// successful write. Returns the removed paths.
std::vector<std::string> rotate_checkpoints(const std::string& checkpoints_dir, int64_t keep);

}  // namespace synthview::ckpt
