// An open HDF5 file (RAII). Opening a missing or corrupt file is an InputError naming the path.
#pragma once

#include <hdf5.h>

#include <string>
#include <vector>

#include "h5/handle.h"
#include "h5/image_buffer.h"

namespace synthview::h5 {

class File {
 public:
  static File create(const std::string& path);     // truncates an existing file
  // A file that lives only in memory (HDF5's core driver); `name` is used in messages. Its bytes come
  // from image(): callers that must survive a full disk write them with plain, checked POSIX I/O.
  // `expected_bytes` sizes the buffer's growth steps: too small and every step copies the whole image.
  // With `image`, the file lives in that buffer and its finished bytes stay there after close().
  static File create_in_memory(const std::string& name, size_t expected_bytes = 0, ImageBuffer* image = nullptr);
  static File open_read(const std::string& path);  // read-only
  static File open_rw(const std::string& path);    // existing file, read-write

  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  ~File() = default;  // closes quietly; call close() to see close-time failures

  hid_t id() const { return handle_.get(); }
  const std::string& path() const { return path_; }
  bool is_open() const { return handle_.valid(); }
  // H5Fflush of the whole file; throws Error naming the path if HDF5 cannot write it out.
  void flush();
  // Closes the file; throws Error if HDF5 fails to write pending data. Idempotent.
  void close();
  // The complete file as bytes (flushes first).
  std::vector<char> image();
  // Before the first variable-length read from a file that came from outside: its global heaps must
  // be sound (h5/global_heap.h). Files this process created are not checked.
  void check_global_heaps_once();

 private:
  File(Handle handle, std::string path, bool from_outside)
      : handle_(std::move(handle)), path_(std::move(path)), heaps_unchecked_(from_outside) {}
  static File open_existing(const std::string& path, unsigned flags);
  Handle handle_;
  std::string path_;
  bool heaps_unchecked_;
};

}  // namespace synthview::h5
