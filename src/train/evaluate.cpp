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
torch::Tensor all_rank_features(model::ContrastiveModel& model, const torch::Tensor& uint8_images,
                                int64_t channels, int64_t size, int64_t batch_size, dist::Communicator& comm) {
  const int64_t n = uint8_images.size(0);
  auto [first, count] = share(n, comm.rank(), comm.size());
  eval::Encode encode = [&](const torch::Tensor& batch) {
    return model->features(eval::to_encoder_input(batch, channels, size));
  };
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

}  // namespace

std::pair<int64_t, int64_t> encoder_input_shape(const Config& config) {
  if (config.data.source == "real") return {1, config.augment.out_size > 0 ? config.augment.out_size : 28};
  auto generator = gen::make_generator(config, torch::kCPU);
  const auto& info = generator->info();
  return {info.channels, config.augment.out_size > 0 ? config.augment.out_size : info.resolution};
}

eval::EvalReport evaluate_encoder(const EvalOptions& options, dist::Communicator& comm) {
  eval::EvalReport report;
  report.random_init = options.random_init;
  Config config = options.config;
  std::optional<ckpt::Checkpoint> checkpoint;
  if (!options.random_init) {
    checkpoint = ckpt::read_checkpoint(options.checkpoint);
    config = config_from_yaml(checkpoint->config_yaml, {}, str("checkpoint '", options.checkpoint, "' /config"));
    report.checkpoint = options.checkpoint;
  }
  model::ContrastiveModel model = build_model(config);
  if (checkpoint) load_encoder(model, *checkpoint, options.checkpoint);
  model->eval();
  auto [channels, size] = encoder_input_shape(config);

  eval::LabeledImages train_split = eval::load_fashion_mnist(options.data_folder, "train");
  eval::LabeledImages test_split = eval::load_fashion_mnist(options.data_folder, "test");
  auto keep_first = [](eval::LabeledImages& split, int64_t limit) {
    if (limit <= 0 || limit >= split.images.size(0)) return;
    split.images = split.images.narrow(0, 0, limit);
    split.labels = split.labels.narrow(0, 0, limit);
  };
  keep_first(train_split, options.train_limit);
  keep_first(test_split, options.test_limit);
  report.train_count = train_split.images.size(0);
  report.test_count = test_split.images.size(0);

  auto start = Clock::now();
  torch::Tensor train_features =
      all_rank_features(model, train_split.images, channels, size, options.batch_size, comm);
  torch::Tensor test_features = all_rank_features(model, test_split.images, channels, size, options.batch_size, comm);
  report.feature_seconds = seconds_since(start);
  report.feature_dim = train_features.size(1);
  if (comm.rank() != 0) return report;

  if (options.linear) {
    start = Clock::now();
    report.linear = eval::linear_probe(train_features, train_split.labels, test_features, test_split.labels);
    report.linear_seconds = seconds_since(start);
  }
  if (options.knn) {
    start = Clock::now();
    report.knn = eval::knn_classify(train_features, train_split.labels, test_features, test_split.labels);
    report.knn_seconds = seconds_since(start);
  }
  if (checkpoint && config.log.tensorboard) append_eval_events(report, checkpoint->train.step);
  return report;
}

}  // namespace synthview::train
