#include "train/state.h"

#include "ckpt/async_writer.h"
#include "ckpt/shapes.h"
#include "core/error.h"
#include "optim/state_tensors.h"

namespace synthview::train {
namespace {

// Deep host copies: the checkpoint is written in the background while later steps change the
// module's tensors in place.
ckpt::NamedTensors to_named(const torch::OrderedDict<std::string, torch::Tensor>& dict) {
  ckpt::NamedTensors named;
  for (const auto& item : dict) named.emplace_back(item.key(), ckpt::host_copy(item.value()));
  return named;
}

// Copies checkpoint tensors into the module's tensors of the same names (shapes already checked).
void copy_into(const torch::OrderedDict<std::string, torch::Tensor>& targets, const ckpt::NamedTensors& values) {
  torch::NoGradGuard no_grad;
  for (const auto& [name, value] : values) {
    const torch::Tensor* target = targets.find(name);
    SV_CHECK(target != nullptr, "tensor ", name, " vanished after the shape check");
    target->copy_(value);
  }
}

void check_same(const torch::OrderedDict<std::string, torch::Tensor>& expected, const ckpt::NamedTensors& found,
                const std::string& context) {
  ckpt::ShapeList expected_shapes;
  for (const auto& item : expected) expected_shapes.emplace_back(item.key(), item.value().sizes().vec());
  ckpt::compare_tensor_shapes(expected_shapes, ckpt::shapes_of(found), context);
}

}  // namespace

void record_history(ckpt::MetricHistory& history, int64_t step,
                    const std::vector<std::pair<std::string, double>>& values) {
  if (history.columns.empty()) {
    for (const auto& [name, value] : values) history.columns.emplace_back(name, std::vector<double>());
  }
  SV_CHECK(history.columns.size() == values.size(), "history rows must have the same columns");
  history.steps.push_back(step);
  for (size_t i = 0; i < values.size(); ++i) history.columns[i].second.push_back(values[i].second);
}

ckpt::Checkpoint capture_state(const CaptureInput& input) {
  const Components& parts = input.parts;
  ckpt::Checkpoint checkpoint;
  checkpoint.meta.world_size = parts.comm->size();
  checkpoint.meta.device = parts.device.str();
  checkpoint.meta.command_line = input.command_line;
  checkpoint.config_yaml = config_to_yaml(input.config);
  checkpoint.train.step = input.step;
  checkpoint.train.samples_drawn = input.samples_drawn;
  // In training-set sizes of Fashion-MNIST (60000) for an unbounded stream, else passes over the pool.
  const double pool = input.config.data.unique_samples > 0 ? double(input.config.data.unique_samples) : 60000.0;
  checkpoint.train.epoch_equivalents = double(input.samples_drawn) / pool;
  checkpoint.train.lr = input.lr;
  checkpoint.history = input.history;
  checkpoint.model.encoder = to_named(parts.model->encoder->named_parameters());
  checkpoint.model.head = to_named(parts.model->head->named_parameters());
  checkpoint.model.encoder_buffers = to_named(parts.model->encoder->named_buffers());
  checkpoint.model.head_buffers = to_named(parts.model->head->named_buffers());
  checkpoint.optim.name = input.config.optim.name;
  checkpoint.optim.tensors = optim::state_tensors(*parts.optimizer, parts.model->named_parameters());
  for (auto& [name, tensor] : checkpoint.optim.tensors) {
    if (!tensor.device().is_cpu()) tensor = ckpt::host_copy(tensor);  // state_tensors copied it on its device
  }
  checkpoint.rng.seed = input.config.seed;
  checkpoint.rng.counters = {{"samples_drawn", input.samples_drawn}, {"step", input.step}};
  return checkpoint;
}

RestoredCounters restore_state(const std::string& path, const Config& config, Components& parts,
                               ckpt::MetricHistory& history) {
  ckpt::Checkpoint checkpoint = ckpt::read_checkpoint(path);
  const std::string context = str("checkpoint '", path, "'");
  check_same(parts.model->encoder->named_parameters(), checkpoint.model.encoder, context + " encoder");
  check_same(parts.model->head->named_parameters(), checkpoint.model.head, context + " head");
  check_same(parts.model->encoder->named_buffers(), checkpoint.model.encoder_buffers, context + " encoder buffers");
  check_same(parts.model->head->named_buffers(), checkpoint.model.head_buffers, context + " head buffers");
  if (checkpoint.optim.name != config.optim.name) {
    throw InputError(str(context, " holds ", checkpoint.optim.name, " optimizer state but optim.name=",
                         config.optim.name, " (resume with the same optimizer)"));
  }
  copy_into(parts.model->encoder->named_parameters(), checkpoint.model.encoder);
  copy_into(parts.model->head->named_parameters(), checkpoint.model.head);
  copy_into(parts.model->encoder->named_buffers(), checkpoint.model.encoder_buffers);
  copy_into(parts.model->head->named_buffers(), checkpoint.model.head_buffers);
  optim::load_state_tensors(*parts.optimizer, parts.model->named_parameters(), checkpoint.optim.tensors);
  history = checkpoint.history;

  RestoredCounters counters;
  counters.step = checkpoint.train.step;
  counters.samples_drawn = checkpoint.train.samples_drawn;
  if (checkpoint.meta.world_size != parts.comm->size()) {
    counters.warnings.push_back(str("world size changed from ", checkpoint.meta.world_size, " to ",
                                    parts.comm->size(), " ranks: the sample stream continues at samples_drawn=",
                                    counters.samples_drawn, "; per-rank batch is now ",
                                    config.train.batch_size / parts.comm->size()));
  }
  Config saved = config_from_yaml(checkpoint.config_yaml, {}, context);
  if (saved.train.batch_size != config.train.batch_size) {
    counters.warnings.push_back(str("global batch changed from ", saved.train.batch_size, " to ",
                                    config.train.batch_size,
                                    ": the stream continues, but the negative set and the lr scaling change"));
  }
  if (saved.seed != config.seed) {
    counters.warnings.push_back(str("seed changed from ", saved.seed, " to ", config.seed,
                                    ": samples after the resume come from a different stream"));
  }
  if (counters.step > config.train.steps) {
    throw InputError(str(context, " is at step ", counters.step, ", past train.steps=", config.train.steps,
                         " (raise train.steps to continue)"));
  }
  return counters;
}

}  // namespace synthview::train
