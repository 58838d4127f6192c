// Checkpoint writes on a background thread, one at a time, so a training loop waits only for its host
// copy of the state (docs/checkpoint-format.md, "Writing in the background"). Each write keeps every
// guarantee of write_checkpoint (temporary file, fsync, rename, folder fsync, Fletcher32); the caller
// hands over a Checkpoint whose tensors are deep host copies (host_copy), since the loop goes on
// changing its own tensors in place while the write runs.
#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "ckpt/checkpoint.h"
#include "h5/handle.h"

namespace synthview::ckpt {

class AsyncCheckpointWriter {
 public:
  using WriteFn = std::function<void(const std::string& path, const Checkpoint& checkpoint)>;
  using AfterWrite = std::function<void(const std::string& path)>;

  // `write` does each write. Empty: write_checkpoint into one image buffer kept for the writer's
  // lifetime (writes never overlap), so repeated saves reuse its memory; tests pass one that waits for a
  // gate or fails. `background` false: start() does the write before returning (everything else, the
  // failure reporting included, is unchanged); the default is background only with a thread-safe
  // libhdf5 (Debian's is), since the training thread may call HDF5 while a write runs.
  explicit AsyncCheckpointWriter(WriteFn write = {}, bool background = h5::library_is_thread_safe());
  // Waits for a write in flight, so no write is ever cut off by the writer going away; a failure that
  // nobody collected with wait() is dropped here (the file was not renamed into place).
  ~AsyncCheckpointWriter();
  AsyncCheckpointWriter(const AsyncCheckpointWriter&) = delete;
  AsyncCheckpointWriter& operator=(const AsyncCheckpointWriter&) = delete;

  // First waits for the previous write (at most one is ever in flight) and rethrows its failure if it
  // failed, in which case nothing new starts. Then starts writing `checkpoint` to `path` and returns;
  // `after_write` (e.g. rotation) runs on the writer thread once the file is in place, and its failure
  // counts as the write's.
  void start(std::string path, Checkpoint checkpoint, AfterWrite after_write = {});

  // Blocks until the write in flight, if any, is complete: written, fsynced, renamed, after_write done.
  // Rethrows its failure (once). Returns at once when nothing was started since the last wait().
  void wait();

  // Non-blocking. in_flight(): a write was started and not yet collected by wait(). finished(): that
  // write has ended, so wait() will not block; failed(): it ended with a failure.
  bool in_flight() const { return started_; }
  bool finished() const { return in_flight() && done_.load(std::memory_order_acquire); }
  bool failed() const { return finished() && error_ != nullptr; }
  // The path of the write in flight, or of the last one started.
  const std::string& path() const { return path_; }

 private:
  std::unique_ptr<h5::ImageBuffer> image_;
  WriteFn write_;
  bool background_;
  bool started_ = false;  // a write was started and not yet collected by wait()
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::exception_ptr error_;  // set by the writer thread before done_
  std::string path_;
};

// A deep, contiguous copy of `tensor` in host memory, detached from autograd; what a checkpoint handed
// to AsyncCheckpointWriter must hold.
torch::Tensor host_copy(const torch::Tensor& tensor);
NamedTensors host_copies(const NamedTensors& tensors);

}  // namespace synthview::ckpt
