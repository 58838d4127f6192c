#include "train/components.h"

#include <algorithm>
#include <iostream>
#include <thread>

#include "core/cpus.h"
#include "core/device.h"
#include "core/error.h"
#include "dist/gather.h"
#include "dist/sync_batch_norm.h"
#include "eval/idx.h"
#include "eval/images.h"
#include "gen/prefetch.h"
#include "gen/views.h"
#include "model/norm.h"

namespace synthview::train {
namespace {

// train.threads, or the CPUs this rank may use: its affinity mask when the launcher bound it (Slurm's
// cpusets, mpirun --bind-to), else the node's CPUs shared among the ranks on it.
int pick_threads(const Config& config, int local_size) {
  if (config.train.threads > 0) return static_cast<int>(config.train.threads);
  const int allowed = usable_cpus();
  const int node = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (allowed < node) return allowed;  // bound: the mask is this rank's share already
  return std::max(1, node / std::max(1, local_size));
}

model::NormFactory pick_norm(const std::string& norm, const std::shared_ptr<dist::Communicator>& comm) {
  if (norm == "syncbn" || (norm == "auto" && comm->size() > 1)) return dist::sync_batch_norm_factory(comm);
  if (norm == "gn") return model::group_norm_factory();
  return model::batch_norm_factory();
}

// train.precision=fp64, the whole step in float64: a reference for float32's rounding (docs/distributed.md).
// Floating-point tensors only: Module::to(dtype) would convert num_batches_tracked too.
void to_float64(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& tensor : module.parameters()) tensor.set_data(tensor.to(torch::kFloat64));
  for (auto& tensor : module.buffers()) {
    if (tensor.is_floating_point()) tensor.set_data(tensor.to(torch::kFloat64));
  }
}

}  // namespace

Components build_components(const Config& config) {
  Components parts;
  // Rank -> GPU from the node-local rank, before anything touches the device.
  torch::Device device = pick_device(config.device);
  parts.comm = dist::make_communicator(config.dist.backend, device, config.dist.timeout_s);
  if (device.is_cuda()) {
    device = parts.comm->device();  // the GPU the NCCL communicator bound this rank to
    if (config.train.deterministic) make_cuda_deterministic();
  }
  parts.device = device;
  if (config.train.batch_size % parts.comm->size() != 0) {
    throw InputError(str("train.batch_size=", config.train.batch_size, " does not divide by the world size ",
                         parts.comm->size(), " (expected a multiple of ", parts.comm->size(), ")"));
  }
  at::set_num_threads(pick_threads(config, parts.comm->local_size()));

  // The image shape comes from the data: the generator's, or Fashion-MNIST's single channel.
  if (config.data.source == "generator") {
    parts.generator = gen::make_generator(config, device);
    if (config.loss.name == "supcon" && parts.generator->info().num_classes == 0) {
      throw InputError("loss.name=supcon needs class labels, but the generator is unconditional "
                       "(num_classes 0); use loss.name=simclr or a class-conditional generator");
    }
    parts.image_channels = parts.generator->info().channels;
    parts.image_size = config.augment.out_size > 0 ? config.augment.out_size : parts.generator->info().resolution;
  } else {
    parts.image_channels = 1;
    parts.image_size = config.augment.out_size > 0 ? config.augment.out_size : 28;
  }

  // Same seed everywhere, then rank 0's values broadcast: identical replicas by construction, not by luck.
  torch::manual_seed(static_cast<uint64_t>(config.seed));
  parts.model = model::make_model(config.model, parts.image_channels, parts.image_size,
                                  pick_norm(config.model.norm, parts.comm));
  parts.model->to(device);
  if (config.train.precision == "fp64") to_float64(*parts.model);
  dist::broadcast_module(*parts.comm, *parts.model);

  parts.optimizer = optim::make_optimizer(config.optim, parts.model->named_parameters(), config.train.batch_size);
  parts.lr_schedule = optim::LrSchedule(config.optim, config.train.batch_size, config.train.steps);
  std::vector<torch::Tensor> parameters = parts.model->parameters();
  parts.reducer = std::make_unique<dist::GradientReducer>(
      parts.comm, parameters, static_cast<int64_t>(config.dist.bucket_mb * 1024 * 1024), config.dist.overlap);
  return parts;
}

namespace {

// Generated or real view batches from the prefetching shard, moved to the training device as
// [b, V, C, H, W] with the anchor as view 0.
class ShardSource : public BatchSource {
 public:
  ShardSource(gen::PrefetchingShard::Produce produce, const SampleSchedule& schedule, int64_t samples_drawn,
              int64_t depth, torch::Device device)
      : device_(device), shard_(std::move(produce), schedule, samples_drawn, depth, device) {}

  ViewBatchOnDevice next() override {
    gen::ViewBatch batch = shard_.next();
    torch::Tensor images = torch::cat({batch.anchors.unsqueeze(1), batch.views}, 1).to(device_);
    return {images, batch.class_ids.to(device_)};
  }

 private:
  torch::Device device_;
  gen::PrefetchingShard shard_;
};

}  // namespace

std::unique_ptr<BatchSource> make_batch_source(const Config& config, const Components& parts,
                                               const SampleSchedule& schedule, int64_t samples_drawn) {
  if (config.data.source == "generator") {
    auto maker = std::make_shared<const gen::ViewMaker>(config, parts.generator);
    return std::make_unique<ShardSource>(
        [maker](const torch::Tensor& draws, const torch::Tensor& anchors) { return maker->make(draws, anchors); },
        schedule, samples_drawn, config.data.prefetch, parts.device);
  }
  // Real Fashion-MNIST training images train[0:N], N = data.real_train_images, the baseline: anchor
  // index a shows image perm_e[a mod N] of epoch e = a / N, a fresh permutation per epoch keyed by the
  // seed; views are pixel augmentations keyed by the draw index.
  auto real = std::make_shared<eval::LabeledImages>(eval::load_fashion_mnist(config.data.real_path, "train"));
  real->images = real->images.narrow(0, 0, config.data.real_train_images);
  real->labels = real->labels.narrow(0, 0, config.data.real_train_images);
  auto images = std::make_shared<torch::Tensor>(eval::to_encoder_input(real->images, parts.image_channels, 28));
  CounterRng rng(static_cast<uint64_t>(config.seed));
  Config view_config = config;
  if (view_config.augment.out_size == 0) view_config.augment.out_size = parts.image_size;
  return std::make_unique<ShardSource>(
      [real, images, rng, view_config](const torch::Tensor& draws, const torch::Tensor& anchors) {
        torch::Tensor picked = real_image_indices(rng, anchors, real->images.size(0));
        return gen::augment_views(view_config, rng, images->index_select(0, picked), draws,
                                  view_config.views.count, real->labels.index_select(0, picked));
      },
      schedule, samples_drawn, config.data.prefetch, parts.device);
}

torch::Tensor real_image_indices(const CounterRng& rng, const torch::Tensor& anchors, int64_t pool) {
  torch::Tensor epochs = torch::div(anchors, pool, "floor");
  torch::Tensor positions = torch::remainder(anchors, pool);
  torch::Tensor picked = torch::empty_like(anchors);
  // A batch spans one epoch, or two at a boundary.
  for (int64_t epoch = epochs.min().item<int64_t>(); epoch <= epochs.max().item<int64_t>(); ++epoch) {
    // A permutation as the argsort of counter-RNG keys: depends only on (seed, epoch).
    torch::Tensor keys = rng.bits(RngStream::kRealOrder, torch::arange(pool, torch::kInt64) + epoch * pool, 1);
    torch::Tensor permutation = torch::argsort(keys.squeeze(1));
    torch::Tensor in_epoch = epochs == epoch;
    picked.masked_scatter_(in_epoch, permutation.index_select(0, positions.masked_select(in_epoch)));
  }
  return picked;
}

}  // namespace synthview::train
