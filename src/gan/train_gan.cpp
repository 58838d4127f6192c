#include "gan/train_gan.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "core/device.h"
#include "core/error.h"
#include "dist/communicator.h"
#include "dist/gradient_reducer.h"
#include "eval/idx.h"
#include "eval/images.h"
#include "gan/batches.h"
#include "gan/gan_nets.h"
#include "gan/gan_state.h"
#include "gan/gan_step.h"
#include "tensorboard/run_file.h"
#include "tensorboard/tags.h"

namespace synthview::gan {
namespace {

using Clock = std::chrono::steady_clock;

// Rank-average of every gradient in one flat all-reduce (the nets are ~1 M parameters: one message is best).
void average_gradients(dist::Communicator& comm, torch::nn::Module& module) {
  if (comm.size() == 1) return;
  std::vector<torch::Tensor> grads;
  for (auto& p : module.parameters()) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad().reshape({-1}));
  }
  torch::Tensor flat = torch::cat(grads);
  comm.all_reduce(flat, dist::kSum);
  flat.div_(comm.size());
  int64_t offset = 0;
  for (auto& p : module.parameters()) {
    p.mutable_grad().copy_(flat.slice(0, offset, offset + p.numel()).view(p.sizes()));
    offset += p.numel();
  }
}

// BN running statistics differ per rank (local batches): average the float ones before saving.
void average_float_buffers(dist::Communicator& comm, torch::nn::Module& module) {
  if (comm.size() == 1) return;
  for (auto& b : module.buffers()) {
    if (!b.is_floating_point()) continue;
    comm.all_reduce(b, dist::kSum);
    b.div_(comm.size());
  }
}

std::string duration_text(double seconds) {
  const auto s = static_cast<int64_t>(seconds);
  char text[32];
  std::snprintf(text, sizeof(text), "%lldh%02lldm%02llds", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return text;
}

int64_t parameter_count(torch::nn::Module& module) {
  int64_t count = 0;
  for (const auto& p : module.parameters()) count += p.numel();
  return count;
}

int pick_threads(const Config& config, int local_size) {
  if (config.train.threads > 0) return static_cast<int>(config.train.threads);
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / std::max(1, local_size));
}

GanState state_of(GanNets& nets, int64_t step) {
  return GanState{nets.generator->net().get(), nets.generator_ema ? nets.generator_ema->net().get() : nullptr,
                  nets.discriminator.get(), nets.optim_g.get(), nets.optim_d.get(), step};
}

// <gan.out>.step-%08d.h5
std::string snapshot_path(const Config& config, int64_t step) {
  char suffix[32];
  std::snprintf(suffix, sizeof(suffix), ".step-%08lld.h5", static_cast<long long>(step));
  return config.gan.out + suffix;
}

void save(dist::Communicator& comm, GanNets& nets, int64_t step, const Config& config, const std::string& command) {
  average_float_buffers(comm, *nets.generator->net());
  if (comm.rank() != 0) return;
  std::filesystem::path out(config.gan.out);
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  // The sampling generator: the EMA with standing BN statistics of its own weights, else G itself.
  gen::BuiltinGenerator& sampler = nets.generator_ema ? *nets.generator_ema : *nets.generator;
  if (nets.generator_ema) nets.generator_ema->calibrate_batch_norm(static_cast<uint64_t>(config.seed));
  write_gan_state(state_path(config), state_of(nets, step), config, command, comm.size());
  // save_builtin_generator renames its own temp into `partial`; fsync + rename make each file appear whole.
  const std::string partial = config.gan.out + ".partial";
  gen::save_builtin_generator(sampler, partial);
  commit_file(partial, config.gan.out);
  std::cout << "checkpoint step " << step << ": " << config.gan.out << " (resume state " << state_path(config) << ")";
  if (config.gan.snapshot_every > 0 && step % config.gan.snapshot_every == 0) {
    gen::save_builtin_generator(sampler, partial);
    commit_file(partial, snapshot_path(config, step));
    std::cout << ", snapshot " << snapshot_path(config, step);
  }
  std::cout << std::endl;
}

// gan.max_seconds: rank 0's clock decides for every rank (one broadcast), so all ranks stop after the same step.
bool out_of_time(dist::Communicator& comm, Clock::time_point started, double max_seconds) {
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  torch::Tensor flag = torch::full({1}, elapsed >= max_seconds ? 1.0 : 0.0,
                                   torch::TensorOptions().dtype(torch::kFloat64).device(comm.device()));
  if (comm.size() > 1) comm.broadcast(flag, 0);
  return flag.item<double>() > 0;
}

bool checkpoint_due(const GanSection& gan, int64_t step) {
  return step == gan.steps || (gan.every > 0 && step % gan.every == 0) ||
         (gan.snapshot_every > 0 && step % gan.snapshot_every == 0);
}

}  // namespace

void run_gan_training(const Config& config, const GanRunOptions& options) {
  const auto run_started = Clock::now();  // gan.max_seconds counts from here
  // The device as `train` picks it; rank -> GPU from the node-local rank, before anything touches the device.
  torch::Device device = pick_device(config.device);
  auto comm = dist::make_communicator(config.dist.backend, device, config.dist.timeout_s);
  if (device.is_cuda()) {
    device = comm->device();  // the GPU the NCCL communicator bound this rank to
    if (config.train.deterministic) make_cuda_deterministic();
  }
  at::set_num_threads(pick_threads(config, comm->local_size()));
  const GanSection& gan = config.gan;
  BatchPlan plan(static_cast<uint64_t>(config.seed), gan.batch_size, comm->rank(), comm->size());
  eval::LabeledImages real = eval::load_fashion_mnist(config.data.real_path, "train");
  // train[0:N] (train[50000:] is for validation), copied to the device once: 50000 uint8 images are 39 MB.
  real.images = real.images.slice(0, 0, gan.train_images).to(device);
  real.labels = real.labels.slice(0, 0, gan.train_images).to(device);
  GanNets nets = make_gan_nets(config, device);

  int64_t step = 0;
  std::string resume = options.resume;
  if (resume == "auto") resume = std::filesystem::exists(state_path(config)) ? state_path(config) : "";
  if (!resume.empty()) {
    GanState state = state_of(nets, 0);
    read_gan_state(resume, state);
    step = state.step;
    if (comm->rank() == 0) std::cout << "resumed from " << resume << " at step " << step << std::endl;
  }
  dist::broadcast_module(*comm, *nets.generator->net());
  if (nets.generator_ema) dist::broadcast_module(*comm, *nets.generator_ema->net());
  dist::broadcast_module(*comm, *nets.discriminator);
  if (comm->rank() == 0) {
    std::cout << "train-generator: " << comm->size() << " rank(s) x " << at::get_num_threads()
              << " thread(s), device " << device << ", " << config.generator.arch << " G "
              << parameter_count(*nets.generator->net()) << " parameters (width " << config.generator.width
              << "), D " << parameter_count(*nets.discriminator) << " parameters (width " << gan.d_width
              << "), batch " << gan.batch_size << ", n_dis " << gan.n_dis << ", lr G/D " << gan.lr_g << "/"
              << gan.lr_d << ", EMA " << gan.ema << ", DiffAugment " << gan.diffaugment << ", real train[0:"
              << real.images.size(0) << "], steps " << step << " -> " << gan.steps << std::endl;
  }
  // TensorBoard: a run of its own under run.dir/generator, so it never mixes with a `train` run in run.dir.
  std::unique_ptr<tensorboard::EventWriter> events;
  if (comm->rank() == 0 && config.log.tensorboard) {
    events = tensorboard::open_run_events((std::filesystem::path(config.run.dir) / "generator").string(),
                                          "train-generator", step + 1, config_to_yaml(config));
  }

  auto average = [&](torch::nn::Module& m) { average_gradients(*comm, m); };
  const int64_t start_step = step;
  auto started = Clock::now();
  while (step < gan.steps) {
    comm->set_step(step);
    const GanLosses step_losses = gan_step(nets, plan, real, step, average);
    ++step;

    if (step % config.run.log_every == 0 || step == gan.steps) {
      torch::Tensor losses = torch::stack({step_losses.d, step_losses.g}).to(torch::kFloat64);
      if (comm->size() > 1) {
        comm->all_reduce(losses, dist::kSum);
        losses.div_(comm->size());
      }
      const double d = losses[0].item<double>(), g = losses[1].item<double>();
      if (!std::isfinite(d) || !std::isfinite(g)) {
        throw Error(synthview::str("GAN loss is not finite at step ", step, " (d_loss ", d, ", g_loss ", g,
                        "): lower gan.lr_d / gan.lr_g"));
      }
      if (comm->rank() == 0) {
        const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
        const double per_step = seconds / static_cast<double>(step - start_step);
        const double samples_per_second = static_cast<double>(gan.batch_size * gan.n_dis) / per_step;
        char line[256];
        std::snprintf(line, sizeof(line), "step %lld/%lld  d_loss %.4f  g_loss %.4f  %.1f samples/s  %.3f s/step  eta %s",
                      static_cast<long long>(step), static_cast<long long>(gan.steps), d, g,
                      samples_per_second, per_step,
                      duration_text(per_step * static_cast<double>(gan.steps - step)).c_str());
        std::cout << line << std::endl;
        if (events) {
          events->scalars(step, tensorboard::tagged_metrics(
                                    "gan", {{"d_loss", d}, {"g_loss", g}, {"samples_per_s", samples_per_second}}));
          events->flush();
        }
      }
    }
    const bool stop = gan.max_seconds > 0 && step < gan.steps && out_of_time(*comm, run_started, gan.max_seconds);
    if (checkpoint_due(gan, step) || stop) save(*comm, nets, step, config, options.command_line);
    if (stop) {
      if (comm->rank() == 0) {
        std::cout << "stopped early at step " << step << " of " << gan.steps << ": gan.max_seconds=" << gan.max_seconds
                  << " reached after " << std::chrono::duration<double>(Clock::now() - run_started).count()
                  << " s; state saved to " << state_path(config)
                  << "; continue with the same command and --resume auto" << std::endl;
      }
      break;
    }
  }
}

}  // namespace synthview::gan
