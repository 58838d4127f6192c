// A training run's checkpoints: rank 0 writes them in the background (ckpt::AsyncCheckpointWriter),
// so at a checkpoint step every rank waits only for rank 0's host copy of the state. Parameters are
// replicated, so rank 0 alone writes; the others learn its outcome through the run's RootTask, whose
// wait is bounded by rank 0's heartbeat (a slow disk never trips dist.timeout_s).
//
// When a write's failure is acted on (ckpt.on_error, docs/checkpoint-format.md):
//  - continue: rank 0 warns at the first step boundary after the write ended (or at the next
//    checkpoint, or before train returns), and training goes on;
//  - abort: rank 0 raises a flag in the step's statistics all-gather at the first step boundary after
//    the write ended; then every rank ends at once with rank 0's message (exit 1). A failure of the
//    final write ends the run the same way before train returns.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ckpt/async_writer.h"
#include "core/config.h"
#include "core/error.h"
#include "dist/root_task.h"

namespace synthview::train {

class CheckpointSaver {
 public:
  // `root_task` is shared with the trainer (one communicator for rank 0's work); `is_root`: rank 0.
  CheckpointSaver(const Config& config, dist::RootTask& root_task, bool is_root,
                  ckpt::AsyncCheckpointWriter::WriteFn write = {});

  // Every rank, at a checkpoint step, in the same order. Rank 0 waits for the previous write (acting
  // on its failure), takes `capture()` (a deep host copy of the state) and starts writing it to
  // `path`; it returns once the write has started.
  void save(const std::string& path, int64_t step, const std::function<ckpt::Checkpoint()>& capture);

  // Rank 0, once per step, non-blocking: 1 when a write failed under ckpt.on_error=abort (to go into the
  // step's statistics), else 0; a failure under continue is reported here.
  double poll_failure();
  // Every rank, when some rank's poll_failure() gave 1: ends every rank with rank 0's error.
  void raise_failure();

  // Every rank, before train returns (also after a stop signal): waits until the last write is
  // complete (written, fsynced, renamed, rotated) and acts on its failure.
  void finish();

  // Rank 0: the newest checkpoint written completely, "" if none yet.
  const std::string& last_checkpoint() const { return last_checkpoint_; }

 private:
  // Rank 0, inside a RootTask: waits for the write in flight; throws its failure under abort.
  void collect();
  // Rank 0, inside a catch handler for `e`: rethrows it under abort, else warns.
  void warn_or_rethrow(const Error& e);

  bool abort_;  // ckpt.on_error == abort
  int64_t keep_;
  std::string checkpoints_dir_;
  dist::RootTask& root_task_;
  bool is_root_;
  ckpt::AsyncCheckpointWriter writer_;
  std::string pending_;  // every rank: the path of the last write started and not yet collected
  int64_t pending_step_ = 0;
  std::string last_checkpoint_;
};

}  // namespace synthview::train
