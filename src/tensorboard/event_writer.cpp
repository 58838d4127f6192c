#include "tensorboard/event_writer.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <system_error>

#include "tensorboard/event.pb.h"
#include "tensorboard/event_file.h"
#include "tensorboard/record.h"

namespace synthview::tensorboard {
namespace {

constexpr int kDtypeString = 7;  // tensorflow.DataType DT_STRING

tensorflow::Event event_at(int64_t step) {
  tensorflow::Event event;
  event.set_wall_time(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  event.set_step(step);
  return event;
}

}  // namespace

EventWriter::EventWriter(const std::string& folder, const std::string& kind, std::optional<int64_t> start_step) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  path_ = new_event_file_path(folder, kind);
  if (error) {
    fail(error.message());
    return;
  }
  open(start_step);
}

EventWriter::EventWriter(const std::string& path) : path_(path) { open(std::nullopt); }

EventWriter::~EventWriter() {
  if (file_) std::fclose(file_);
}

void EventWriter::open(std::optional<int64_t> start_step) {
  file_ = std::fopen(path_.c_str(), "wb");
  if (!file_) {
    fail(std::strerror(errno));
    return;
  }
  tensorflow::Event version = event_at(0);
  version.set_file_version("brain.Event:2");
  write_record(version.SerializeAsString());
  if (start_step) {
    tensorflow::Event start = event_at(*start_step);
    start.mutable_session_log()->set_status(tensorflow::SessionLog::START);
    write_record(start.SerializeAsString());
  }
  flush();
}

void EventWriter::scalars(int64_t step, const std::vector<std::pair<std::string, double>>& values) {
  if (failed_) return;
  tensorflow::Event event = event_at(step);
  for (const auto& [tag, value] : values) {
    tensorflow::Summary::Value* entry = event.mutable_summary()->add_value();
    entry->set_tag(tag);
    entry->set_simple_value(static_cast<float>(value));
  }
  write_record(event.SerializeAsString());
}

void EventWriter::image(const std::string& tag, int64_t step, const std::string& png, int64_t height,
                        int64_t width, int64_t channels) {
  if (failed_) return;
  tensorflow::Event event = event_at(step);
  tensorflow::Summary::Value* entry = event.mutable_summary()->add_value();
  entry->set_tag(tag);
  tensorflow::Summary::Image* picture = entry->mutable_image();
  picture->set_height(static_cast<int32_t>(height));
  picture->set_width(static_cast<int32_t>(width));
  picture->set_colorspace(static_cast<int32_t>(channels));
  picture->set_encoded_image_string(png);
  write_record(event.SerializeAsString());
}

void EventWriter::text(const std::string& tag, int64_t step, const std::string& markdown) {
  if (failed_) return;
  tensorflow::Event event = event_at(step);
  tensorflow::Summary::Value* entry = event.mutable_summary()->add_value();
  entry->set_tag(tag);
  entry->mutable_metadata()->mutable_plugin_data()->set_plugin_name("text");
  tensorflow::TensorProto* tensor = entry->mutable_tensor();
  tensor->set_dtype(kDtypeString);
  tensor->mutable_tensor_shape();  // a scalar: present, no dimensions
  tensor->add_string_val(markdown);
  write_record(event.SerializeAsString());
}

void EventWriter::flush() {
  if (failed_ || !file_) return;
  if (std::fflush(file_) != 0) fail(std::strerror(errno));
}

void EventWriter::write_record(const std::string& event_bytes) {
  if (failed_ || !file_) return;
  const std::string record = frame_record(event_bytes);
  if (std::fwrite(record.data(), 1, record.size(), file_) != record.size()) fail(std::strerror(errno));
}

void EventWriter::fail(const std::string& reason) {
  if (failed_) return;
  failed_ = true;
  std::cerr << "\nsynthview: warning: TensorBoard event file '" << path_ << "' not written: " << reason
            << "; no more events go to it, the run itself continues\n";
  if (file_) {
    std::fclose(file_);
    file_ = nullptr;
  }
}

}  // namespace synthview::tensorboard
