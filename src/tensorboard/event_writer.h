// A TensorBoard event file written from C++ (no Python, no TensorFlow): TFRecord framing (record.h) of
// Event protobuf messages (event.proto). Never stops its caller: the first failure (a folder that cannot
// be created, a full disk) prints one warning and every later call does nothing.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace synthview::tensorboard {

class EventWriter {
 public:
  // Opens a new event file in `folder` (created if missing; name from event_file.h, `kind` its last part)
  // and writes the file_version record. With `start_step`, a SessionLog START at that step follows:
  // TensorBoard then drops every record at a step >= start_step read from older files of the folder,
  // which is how a resumed run replaces the steps a crashed run wrote after its last checkpoint.
  EventWriter(const std::string& folder, const std::string& kind, std::optional<int64_t> start_step);
  // Writes to exactly `path` (tests: /dev/full).
  explicit EventWriter(const std::string& path);
  ~EventWriter();
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  const std::string& path() const { return path_; }
  bool ok() const { return !failed_; }

  // One event holding a scalar per (tag, value), stored as float32 (simple_value).
  void scalars(int64_t step, const std::vector<std::pair<std::string, double>>& values);
  // An image summary of PNG bytes; channels 1 (gray) or 3 (RGB).
  void image(const std::string& tag, int64_t step, const std::string& png, int64_t height, int64_t width,
             int64_t channels);
  // A text-plugin summary (Markdown) shown under TensorBoard's Text tab.
  void text(const std::string& tag, int64_t step, const std::string& markdown);
  // Pushes buffered records to the file (call once per step; no fsync).
  void flush();

 private:
  void open(std::optional<int64_t> start_step);
  void write_record(const std::string& event_bytes);
  void fail(const std::string& reason);

  std::string path_;
  std::FILE* file_ = nullptr;
  bool failed_ = false;
};

}  // namespace synthview::tensorboard
