// write_checkpoint: build the HDF5 file in memory, write it to a temporary file with checked POSIX
// calls, fsync, then rename it over the final name.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ckpt/checkpoint.h"
#include "ckpt/layout.h"
#include "core/error.h"
#include "h5/h5.h"

namespace synthview::ckpt {

namespace {

namespace fs = std::filesystem;

void write_tensors(h5::File& file, const std::string& group, const NamedTensors& tensors) {
  h5::create_group(file, group);
  for (const auto& [name, tensor] : tensors) {
    if (name.empty()) throw Error(str("checkpoint tensor with an empty name in ", group));
    h5::write_tensor(file, group + "/" + name, tensor);
  }
}

void write_history(h5::File& file, const MetricHistory& history) {
  h5::create_group(file, layout::kHistory);
  const int64_t rows = int64_t(history.steps.size());
  h5::write_tensor(file, str(layout::kHistory, "/step"), torch::tensor(history.steps, torch::kInt64).reshape({rows}));
  for (const auto& [name, values] : history.columns) {
    SV_CHECK(int64_t(values.size()) == rows, "metric history column '", name, "' has ", values.size(),
             " values for ", rows, " steps");
    SV_CHECK(name != "step", "metric history column may not be named 'step'");
    h5::write_tensor(file, str(layout::kHistory, "/", name),
                     torch::tensor(values, torch::kFloat64).reshape({rows}));
  }
}

void write_contents(h5::File& file, const Checkpoint& c) {
  const Meta& m = c.meta;
  h5::write_attr(file, layout::kMeta, "format", layout::kFormatTag);
  h5::write_attr(file, layout::kMeta, "format_version", kFormatVersion);
  h5::write_attr(file, layout::kMeta, "created", m.created.empty() ? iso_time_now() : m.created);
  h5::write_attr(file, layout::kMeta, "synthview_version",
                 m.synthview_version.empty() ? build_version() : m.synthview_version);
  h5::write_attr(file, layout::kMeta, "git_sha", m.git_sha.empty() ? build_git_sha() : m.git_sha);
  h5::write_attr(file, layout::kMeta, "world_size", m.world_size);
  h5::write_attr(file, layout::kMeta, "device", m.device);
  h5::write_attr(file, layout::kMeta, "command_line", m.command_line);

  h5::write_attr(file, layout::kConfig, "yaml", c.config_yaml);

  h5::write_attr(file, layout::kTrain, "step", c.train.step);
  h5::write_attr(file, layout::kTrain, "samples_drawn", c.train.samples_drawn);
  h5::write_attr(file, layout::kTrain, "epoch_equivalents", c.train.epoch_equivalents);
  h5::write_attr(file, layout::kTrain, "lr", c.train.lr);
  write_history(file, c.history);

  write_tensors(file, layout::kEncoder, c.model.encoder);
  write_tensors(file, layout::kHead, c.model.head);
  write_tensors(file, layout::kEncoderBuffers, c.model.encoder_buffers);
  write_tensors(file, layout::kHeadBuffers, c.model.head_buffers);

  write_tensors(file, layout::kOptim, c.optim.tensors);
  h5::write_attr(file, layout::kOptim, "name", c.optim.name);
  for (const auto& [name, value] : c.optim.scalars) {
    SV_CHECK(name != "name", "optimizer scalar may not be named 'name'");
    h5::write_attr(file, layout::kOptim, name, value);
  }

  write_tensors(file, layout::kRng, c.rng.states);
  h5::write_attr(file, layout::kRng, "seed", c.rng.seed);
  for (const auto& [name, value] : c.rng.counters) {
    SV_CHECK(name != "seed", "rng counter may not be named 'seed'");
    h5::write_attr(file, layout::kRng, name, value);
  }
}

// Writes bytes to a new file with checked POSIX calls and fsyncs it. A full disk or quota is an
// ordinary error here, which is why the HDF5 image is built in memory first.
void write_durably(const std::string& path, const h5::ImageBuffer::Bytes& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(str("cannot create '", path, "': ", std::strerror(errno)));
  size_t written = 0;
  while (written < bytes.size) {
    ssize_t n = ::write(fd, bytes.data + written, bytes.size - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int saved = n < 0 ? errno : ENOSPC;
      ::close(fd);
      throw Error(str("writing '", path, "' failed after ", written, " of ", bytes.size,
                      " bytes: ", std::strerror(saved)));
    }
    written += static_cast<size_t>(n);
  }
  int rc = ::fsync(fd);
  int saved = errno;
  if (::close(fd) != 0 && rc == 0) {
    rc = -1;
    saved = errno;
  }
  if (rc != 0) throw Error(str("fsync/close of '", path, "' failed: ", std::strerror(saved)));
}

size_t payload_bytes(const Checkpoint& c) {
  size_t bytes = 0;
  for (const NamedTensors* group : {&c.model.encoder, &c.model.head, &c.model.encoder_buffers, &c.model.head_buffers,
                                    &c.optim.tensors, &c.rng.states}) {
    for (const auto& [name, tensor] : *group) bytes += size_t(tensor.numel()) * tensor.element_size();
  }
  return bytes;
}

// fsync of a folder, so the rename itself is durable; throws with errno's reason.
void fsync_folder(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) throw Error(str("cannot open folder '", path, "' for fsync: ", std::strerror(errno)));
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) throw Error(str("fsync of folder '", path, "' failed: ", std::strerror(saved)));
}

}  // namespace

void write_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  h5::ImageBuffer image;
  write_checkpoint(path, checkpoint, image);
}

void write_checkpoint(const std::string& path, const Checkpoint& checkpoint, h5::ImageBuffer& image) {
  const fs::path final_path(path);
  const fs::path folder = final_path.has_parent_path() ? final_path.parent_path() : fs::path(".");
  const std::string temp = (folder / (final_path.filename().string() + ".tmp." + std::to_string(::getpid()))).string();
  try {
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) throw Error(str("cannot create folder '", folder.string(), "': ", ec.message()));
    {
      h5::File file = h5::File::create_in_memory(temp, payload_bytes(checkpoint), &image);
      write_contents(file, checkpoint);
      file.close();  // HDF5 finishes the file in `image`
    }
    write_durably(temp, image.closed_file());
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      throw Error(str("rename '", temp, "' -> '", path, "' failed: ", std::strerror(errno)));
    }
    fsync_folder(folder.string());
  } catch (const std::exception& e) {
    ::unlink(temp.c_str());
    throw Error(str("cannot write checkpoint '", path, "': ", e.what(),
                    " (the temporary file was removed; earlier checkpoints are untouched)"));
  }
}

}  // namespace synthview::ckpt
