// read_checkpoint and verify_checkpoint: every failure names the file and the object at fault.
#include "ckpt/checkpoint.h"
#include "ckpt/layout.h"
#include "core/error.h"
#include "h5/h5.h"

namespace synthview::ckpt {

namespace {

// Opens `path` and checks it is a checkpoint of a format this build can read.
h5::File open_checkpoint(const std::string& path) {
  h5::File file = h5::File::open_read(path);
  if (!h5::has_attr(file, layout::kMeta, "format_version")) {
    throw InputError(str("'", path, "' is not a synthview checkpoint (no /meta format_version attribute)"));
  }
  int64_t version = h5::read_attr_int(file, layout::kMeta, "format_version");
  if (version < 1 || version > kFormatVersion) {
    throw InputError(str("checkpoint '", path, "' has format_version ", version, "; this synthview reads 1..",
                         kFormatVersion, (version > kFormatVersion ? " (written by a newer synthview?)" : "")));
  }
  for (const char* group : layout::kRequiredGroups) {
    if (!h5::exists(file, group)) throw InputError(str("checkpoint '", path, "' lacks the group ", group));
  }
  return file;
}

NamedTensors read_tensors(h5::File& file, const std::string& group) {
  NamedTensors tensors;
  for (const auto& name : h5::list_datasets(file, group)) {
    tensors.emplace_back(name, h5::read_tensor(file, group + "/" + name));
  }
  return tensors;
}

// Datasets directly in `group` (not in its subgroups).
NamedTensors read_direct_tensors(h5::File& file, const std::string& group) {
  NamedTensors tensors;
  for (auto& [name, tensor] : read_tensors(file, group)) {
    if (name.find('/') == std::string::npos) tensors.emplace_back(name, tensor);
  }
  return tensors;
}

MetricHistory read_history(h5::File& file) {
  MetricHistory history;
  const std::string step_path = str(layout::kHistory, "/step");
  torch::Tensor steps = h5::read_tensor(file, step_path).to(torch::kInt64).contiguous();
  history.steps.assign(steps.data_ptr<int64_t>(), steps.data_ptr<int64_t>() + steps.numel());
  for (auto& [name, tensor] : read_direct_tensors(file, layout::kHistory)) {
    if (name == "step") continue;
    if (tensor.numel() != steps.numel()) {
      throw InputError(str("checkpoint '", file.path(), "': ", layout::kHistory, "/", name, " has ", tensor.numel(),
                           " values but ", step_path, " has ", steps.numel()));
    }
    torch::Tensor values = tensor.to(torch::kFloat64).contiguous();
    history.columns.emplace_back(name, std::vector<double>(values.data_ptr<double>(),
                                                           values.data_ptr<double>() + values.numel()));
  }
  return history;
}

// A non-finite weight makes every later step NaN; report it at load instead of steps later.
void check_finite(const NamedTensors& tensors, const std::string& group, const std::string& path) {
  for (const auto& [name, tensor] : tensors) {
    if (!tensor.is_floating_point()) continue;
    const int64_t bad = tensor.numel() - torch::isfinite(tensor).sum().item<int64_t>();
    if (bad > 0) {
      throw InputError(str("checkpoint '", path, "': ", group, "/", name, " has ", bad, " NaN/Inf value(s) of ",
                           tensor.numel(), " (the run diverged before this checkpoint: use an earlier one)"));
    }
  }
}

// Every attribute-level field and the history (small); model, optimizer and rng tensors are not read.
Checkpoint read_header(h5::File& file) {
  Checkpoint c;
  c.meta.format_version = h5::read_attr_int(file, layout::kMeta, "format_version");
  c.meta.created = h5::read_attr_string(file, layout::kMeta, "created");
  c.meta.synthview_version = h5::read_attr_string(file, layout::kMeta, "synthview_version");
  c.meta.git_sha = h5::read_attr_string(file, layout::kMeta, "git_sha");
  c.meta.world_size = h5::read_attr_int(file, layout::kMeta, "world_size");
  c.meta.device = h5::read_attr_string(file, layout::kMeta, "device");
  c.meta.command_line = h5::read_attr_string(file, layout::kMeta, "command_line");

  c.config_yaml = h5::read_attr_string(file, layout::kConfig, "yaml");

  c.train.step = h5::read_attr_int(file, layout::kTrain, "step");
  c.train.samples_drawn = h5::read_attr_int(file, layout::kTrain, "samples_drawn");
  c.train.epoch_equivalents = h5::read_attr_double(file, layout::kTrain, "epoch_equivalents");
  c.train.lr = h5::read_attr_double(file, layout::kTrain, "lr");
  c.history = read_history(file);

  c.optim.name = h5::read_attr_string(file, layout::kOptim, "name");
  for (const auto& name : h5::list_attrs(file, layout::kOptim)) {
    if (name != "name") c.optim.scalars.emplace_back(name, h5::read_attr_double(file, layout::kOptim, name));
  }

  c.rng.seed = h5::read_attr_int(file, layout::kRng, "seed");
  for (const auto& name : h5::list_attrs(file, layout::kRng)) {
    if (name != "seed") c.rng.counters.emplace_back(name, h5::read_attr_int(file, layout::kRng, name));
  }
  return c;
}

}  // namespace

Checkpoint read_checkpoint(const std::string& path) {
  h5::File file = open_checkpoint(path);
  Checkpoint c = read_header(file);
  c.model.encoder = read_tensors(file, layout::kEncoder);
  c.model.head = read_tensors(file, layout::kHead);
  c.model.encoder_buffers = read_tensors(file, layout::kEncoderBuffers);
  c.model.head_buffers = read_tensors(file, layout::kHeadBuffers);
  check_finite(c.model.encoder, layout::kEncoder, path);
  check_finite(c.model.head, layout::kHead, path);
  check_finite(c.model.encoder_buffers, layout::kEncoderBuffers, path);
  check_finite(c.model.head_buffers, layout::kHeadBuffers, path);
  c.optim.tensors = read_tensors(file, layout::kOptim);
  c.rng.states = read_tensors(file, layout::kRng);
  return c;
}

VerifyReport verify_checkpoint(const std::string& path) {
  h5::File file = open_checkpoint(path);
  Checkpoint c = read_header(file);  // every required attribute, the history's shape
  VerifyReport report;
  report.format_version = c.meta.format_version;
  report.step = c.train.step;
  // Read every dataset in the file, including any outside the known groups, so all checksums run.
  for (const auto& name : h5::list_datasets(file, "/")) {
    torch::Tensor tensor = h5::read_tensor(file, "/" + name);
    if (name.rfind("model/", 0) == 0) check_finite({{name, tensor}}, "", path);
    report.datasets += 1;
    report.bytes += tensor.numel() * tensor.element_size();
  }
  return report;
}

}  // namespace synthview::ckpt
