#include "train/evaluate.h"

#include <chrono>

#include "ckpt/checkpoint.h"
#include "ckpt/shapes.h"
#include "core/error.h"
#include "eval/features.h"
#include "eval/idx.h"
#include "eval/images.h"
#include "eval/knn.h"
#include "eval/linear_probe.h"
#include "gen/generator.h"
#include "model/contrastive_model.h"
#include "model/norm.h"
#include "train/eval_events.h"

namespace synthview::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Evaluation runs in eval mode, where every norm layer uses its running statistics: plain BN serves
// for checkpoints trained with syncbn too (same tensor names).
model::ContrastiveModel build_model(const Config& config) {
  auto [channels, size] = encoder_input_shape(config);
  model::NormFactory norm = config.model.norm == "gn" ? model::group_norm_factory() : model::batch_norm_factory();
  torch::manual_seed(static_cast<uint64_t>(config.seed));
  return model::make_model(config.model, channels, size, norm);
}

void load_encoder(model::ContrastiveModel& model, const ckpt::Checkpoint& checkpoint, const std::string& path) {
  torch::NoGradGuard no_grad;
  auto load = [&](const torch::OrderedDict<std::string, torch::Tensor>& targets, const ckpt::NamedTensors& values,
                  const std::string& what) {
    ckpt::ShapeList expected;
    for (const auto& item : targets) expected.emplace_back(item.key(), item.value().sizes().vec());
    ckpt::compare_tensor_shapes(expected, ckpt::shapes_of(values), str("checkpoint '", path, "' ", what));
    for (const auto& [name, value] : values) targets.find(name)->copy_(value);
  };
  load(model->encoder->named_parameters(), checkpoint.model.encoder, "encoder");
  load(model->encoder->named_buffers(), checkpoint.model.encoder_buffers, "encoder buffers");
}

// This rank's contiguous share of n rows: [first, first + count).
std::pair<int64_t, int64_t> share(int64_t n, int rank, int size) {
  int64_t per_rank = (n + size - 1) / size;
  int64_t first = std::min(n, per_rank * rank);
  return {first, std::min(n, first + per_rank) - first};
}

// Features of every image, computed by all ranks (each its share), gathered on every rank.
torch::Tensor all_rank_features(const eval::Encode& encode, const torch::Tensor& uint8_images, int64_t batch_size,
                                dist::Communicator& comm) {
  const int64_t n = uint8_images.size(0);
  auto [first, count] = share(n, comm.rank(), comm.size());
  torch::Tensor local = eval::compute_features(encode, uint8_images.narrow(0, first, count), batch_size);
  if (comm.size() == 1) return local;
  // all_gather needs equal shapes: pad every share to the largest, then drop the padding.
  const int64_t per_rank = (n + comm.size() - 1) / comm.size();
  torch::Tensor padded = torch::zeros({per_rank, local.size(1)}, local.options());
  padded.narrow(0, 0, count).copy_(local);
  torch::Tensor gathered = comm.all_gather(padded);
  std::vector<torch::Tensor> parts;
  for (int r = 0; r < comm.size(); ++r) {
    auto [r_first, r_count] = share(n, r, comm.size());
    parts.push_back(gathered.narrow(0, r * per_rank, r_count));
  }
  return torch::cat(parts);
}

struct Splits {
  eval::LabeledImages train, test;
};

Splits load_splits(const EvalOptions& options) {
  Splits splits;
  splits.train = eval::load_fashion_mnist(options.data_folder, "train");
  if (options.split == "val") {
    const int64_t first = eval::kValidationFirst;
    splits.test = {splits.train.images.narrow(0, first, splits.train.images.size(0) - first),
                   splits.train.labels.narrow(0, first, splits.train.labels.size(0) - first)};
    splits.train = {splits.train.images.narrow(0, 0, first), splits.train.labels.narrow(0, 0, first)};
  } else if (options.split == "test") {
    splits.test = eval::load_fashion_mnist(options.data_folder, "test");
  } else {
    throw InputError(str("eval: split '", options.split, "' is not valid (expected test or val)"));
  }
  auto keep_first = [](eval::LabeledImages& split, int64_t limit) {
    if (limit <= 0 || limit >= split.images.size(0)) return;
    split.images = split.images.narrow(0, 0, limit);
    split.labels = split.labels.narrow(0, 0, limit);
  };
  keep_first(splits.train, options.train_limit);
  keep_first(splits.test, options.test_limit);
  return splits;
}

// One subject's features on both splits, then the probes (on rank 0).
eval::EvalReport probe(const std::string& subject, const eval::Encode& encode, const Splits& splits,
                       const EvalOptions& options, dist::Communicator& comm) {
  eval::EvalReport report;
  report.subject = subject;
  report.split = options.split;
  report.train_count = splits.train.images.size(0);
  report.test_count = splits.test.images.size(0);
  auto start = Clock::now();
  torch::Tensor train_features = all_rank_features(encode, splits.train.images, options.batch_size, comm);
  torch::Tensor test_features = all_rank_features(encode, splits.test.images, options.batch_size, comm);
  report.feature_seconds = seconds_since(start);
  report.feature_dim = train_features.size(1);
  if (comm.rank() != 0) return report;
  if (options.linear) {
    start = Clock::now();
    report.linear = eval::linear_probe(train_features, splits.train.labels, test_features, splits.test.labels);
    report.linear_seconds = seconds_since(start);
  }
  if (options.knn) {
    start = Clock::now();
    report.knn = eval::knn_classify(train_features, splits.train.labels, test_features, splits.test.labels);
    report.knn_seconds = seconds_since(start);
  }
  return report;
}

}  // namespace

std::pair<int64_t, int64_t> encoder_input_shape(const Config& config) {
  if (config.data.source == "real") return {1, config.augment.out_size > 0 ? config.augment.out_size : 28};
  auto generator = gen::make_generator(config, torch::kCPU);
  const auto& info = generator->info();
  return {info.channels, config.augment.out_size > 0 ? config.augment.out_size : info.resolution};
}

std::vector<eval::EvalReport> evaluate(const EvalOptions& options, dist::Communicator& comm) {
  Config config = options.config;
  std::optional<ckpt::Checkpoint> checkpoint;
  if (!options.random_init) {
    checkpoint = ckpt::read_checkpoint(options.checkpoint);
    config = config_from_yaml(checkpoint->config_yaml, {}, str("checkpoint '", options.checkpoint, "' /config"));
  }
  auto [channels, size] = encoder_input_shape(config);
  const Splits splits = load_splits(options);

  auto encoder_report = [&, channels = channels, size = size](bool trained) {
    model::ContrastiveModel model = build_model(config);  // untrained: the config's seed, as train starts
    if (trained) load_encoder(model, *checkpoint, options.checkpoint);
    model->eval();
    eval::Encode encode = [&](const torch::Tensor& batch) {
      return model->features(eval::to_encoder_input(batch, channels, size));
    };
    eval::EvalReport report = probe(trained ? "checkpoint" : "random-init", encode, splits, options, comm);
    report.random_init = !trained;
    if (trained) report.checkpoint = options.checkpoint;
    return report;
  };
  std::vector<eval::EvalReport> reports{encoder_report(checkpoint.has_value())};
  if (options.baselines) {
    if (checkpoint) reports.push_back(encoder_report(false));
    // Raw pixels at the encoder's input size and scale: the floor any representation must clear.
    eval::Encode pixels = [&, channels = channels, size = size](const torch::Tensor& batch) {
      return eval::to_encoder_input(batch, channels, size).flatten(1);
    };
    reports.push_back(probe("pixels", pixels, splits, options, comm));
  }
  // The checkpoint's accuracies join the TensorBoard curves of the run it came from (rank 0 holds them).
  if (checkpoint && config.log.tensorboard && comm.rank() == 0) {
    append_eval_events(reports.front(), checkpoint->train.step);
  }
  return reports;
}

}  // namespace synthview::train
