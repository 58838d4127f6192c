#include "train/checkpoint_saver.h"

#include <filesystem>
#include <iostream>

#include "ckpt/run_dir.h"
#include "core/error.h"

namespace synthview::train {

CheckpointSaver::CheckpointSaver(const Config& config, dist::RootTask& root_task, bool is_root,
                                 ckpt::AsyncCheckpointWriter::WriteFn write)
    : abort_(config.ckpt.on_error == "abort"), keep_(config.ckpt.keep),
      checkpoints_dir_((std::filesystem::path(config.run.dir) / "checkpoints").string()), root_task_(root_task),
      is_root_(is_root), writer_(std::move(write)) {}

void CheckpointSaver::save(const std::string& path, int64_t step, const std::function<ckpt::Checkpoint()>& capture) {
  const std::string what = pending_.empty() ? str("writing ", path) : str("writing ", path, " (after ", pending_, ")");
  root_task_.run(what, [&] {
    collect();  // at most one write in flight: the previous one ends first
    pending_step_ = step;
    try {
      writer_.start(path, capture(), [dir = checkpoints_dir_, keep = keep_](const std::string&) {
        ckpt::rotate_checkpoints(dir, keep);  // only after this write succeeded
      });
    } catch (const Error& e) {  // the capture failed; nothing was started
      warn_or_rethrow(e);
    }
  });
  pending_ = path;
}

double CheckpointSaver::poll_failure() {
  if (!is_root_ || !writer_.finished()) return 0;
  if (writer_.failed() && abort_) return 1;  // raise_failure() collects it on every rank
  collect();
  return 0;
}

void CheckpointSaver::raise_failure() {
  // Rank 0 rethrows the write's Error; the RootTask ends every other rank with its message.
  root_task_.run(str("writing ", pending_), [&] { collect(); });
}

void CheckpointSaver::finish() {
  if (pending_.empty()) return;
  root_task_.run(str("writing ", pending_), [&] { collect(); });
  pending_.clear();
}

void CheckpointSaver::collect() {
  if (!writer_.in_flight()) return;
  try {
    writer_.wait();
    last_checkpoint_ = writer_.path();
  } catch (const Error& e) {
    warn_or_rethrow(e);
  }
}

void CheckpointSaver::warn_or_rethrow(const Error& e) {
  if (abort_) throw;  // called from a handler: rethrows the Error as caught, exit code included
  std::cerr << "\nsynthview: warning: checkpoint at step " << pending_step_ << " not written: " << e.what()
            << " (ckpt.on_error=continue; the previous checkpoint is intact)\n";
}

}  // namespace synthview::train
