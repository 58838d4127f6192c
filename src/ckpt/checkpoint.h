// A training checkpoint: everything needed to continue a run exactly, as one HDF5 file.
// The layout (docs/checkpoint-format.md, format_version 1):
//   /meta                      attrs format, format_version, created, synthview_version, git_sha,
//                              world_size, device, command_line
//   /config                    attr yaml: the full resolved config
//   /train                     attrs step, samples_drawn, epoch_equivalents, lr
//   /train/history/step        int64 [n]; /train/history/<metric> float64 [n] (loss, top1, lr, ...)
//   /model/encoder/<name>      encoder parameters, torchvision names (conv1.weight, layer1.0.bn1.bias)
//   /model/head/<name>         projection head parameters
//   /model/buffers/encoder/<name>, /model/buffers/head/<name>   buffers (BN running stats)
//   /optim                     attrs name (sgd|lars|adamw) and the optimizer's scalar state
//   /optim/<param>/<state>     per-parameter state tensors, e.g. layer1.0.conv1.weight/momentum_buffer
//   /rng                       attrs seed and named counters; datasets /rng/<name> for opaque states
// Tensors are plain (name, tensor) lists so this module depends on no model or optimizer code.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace synthview::h5 {
class ImageBuffer;
}

namespace synthview::ckpt {

// Bump when a reader of the previous version could misread a new file; readers reject newer versions.
inline constexpr int64_t kFormatVersion = 1;

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

struct Meta {
  int64_t format_version = kFormatVersion;  // always written as kFormatVersion
  std::string created;                      // ISO 8601 UTC; write_checkpoint fills it when empty
  std::string synthview_version;            // filled with this build's version when empty
  std::string git_sha;                      // filled with this build's commit when empty
  int64_t world_size = 1;
  std::string device = "cpu";
  std::string command_line;
};

struct TrainState {
  int64_t step = 0;           // optimizer steps completed
  int64_t samples_drawn = 0;  // the run's draw counter (DESIGN.md invariant 1)
  double epoch_equivalents = 0;
  double lr = 0;  // learning rate of the last step
};

// Metric history: one row per logged step; every column has steps.size() values.
struct MetricHistory {
  std::vector<int64_t> steps;
  std::vector<std::pair<std::string, std::vector<double>>> columns;  // e.g. {"loss", {...}}, {"top1", {...}}
};

struct ModelState {
  NamedTensors encoder;  // encoder->named_parameters()
  NamedTensors head;     // head->named_parameters()
  NamedTensors encoder_buffers;
  NamedTensors head_buffers;
};

struct OptimizerState {
  std::string name;     // sgd | lars | adamw
  NamedTensors tensors;  // "<param name>/<state name>", e.g. "encoder.conv1.weight/momentum_buffer"
  std::vector<std::pair<std::string, double>> scalars;
};

struct RngState {
  int64_t seed = 0;
  std::vector<std::pair<std::string, int64_t>> counters;
  NamedTensors states;  // opaque generator states (e.g. a torch::Generator's bytes), if any
};

struct Checkpoint {
  Meta meta;
  std::string config_yaml;
  TrainState train;
  MetricHistory history;
  ModelState model;
  OptimizerState optim;
  RngState rng;
};

// Writes atomically: a temporary file in the same folder (created if missing), flush, fsync, rename
// over `path`, fsync of the folder. On any failure (disk full, permission, HDF5 error) throws Error
// naming `path`, removes the temporary file and leaves any previous file at `path` untouched.
void write_checkpoint(const std::string& path, const Checkpoint& checkpoint);
// The same, building the file in `image`, which keeps its memory for the next write: a writer that saves
// again and again (AsyncCheckpointWriter) neither allocates nor page-faults the image each time.
void write_checkpoint(const std::string& path, const Checkpoint& checkpoint, h5::ImageBuffer& image);

// Reads every field; a missing, corrupt, truncated or newer-format file is an InputError naming the
// path (and the dataset or attribute at fault).
Checkpoint read_checkpoint(const std::string& path);

struct VerifyReport {
  int64_t format_version = 0;
  int64_t step = 0;
  int64_t datasets = 0;  // every one read back with its checksum checked
  int64_t bytes = 0;     // tensor payload
};

// Checks format_version, the required groups and attributes, and reads every dataset in the file so
// each checksum is verified. Throws InputError naming the path and the first problem found.
VerifyReport verify_checkpoint(const std::string& path);

// This build's identity, recorded in /meta.
std::string build_git_sha();
std::string build_version();
// Current UTC time as 2026-11-25T14:53:46Z.
std::string iso_time_now();

}  // namespace synthview::ckpt
