// train-generator's steps on a GPU follow the CPU's: the issue-12 recipe (resnet nets, n_dis 2, two learning rates,
// EMA, DiffAugment) at 16 px, 3 steps from the same init on the same batches, with train.deterministic's CUDA
// settings (deterministic algorithms, TF32 off), so float32 results differ from the CPU's by summation order only.
// And a state written from the GPU run loads into a CPU run and the reverse. Needs a GPU: without one each test
// reports a skip with the reason, and ctest shows `gan_cuda` as skipped (tests/gan/CMakeLists.txt).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "core/device.h"
#include "gan/gan_nets.h"
#include "gan/gan_state.h"
#include "gan/gan_step.h"

namespace synthview::gan {
namespace {

bool has_gpu() { return torch::cuda::is_available() && torch::cuda::device_count() > 0; }

Config recipe() {
  Config config;
  config.generator.arch = "resnet";
  config.generator.latent_dim = 16;
  config.generator.width = 16;
  config.generator.resolution = 16;
  config.generator.num_classes = 10;
  config.gan.d_width = 16;
  config.gan.batch_size = 32;
  config.gan.n_dis = 2;
  config.gan.lr_g = 1e-4;
  config.gan.lr_d = 4e-4;
  config.gan.beta1 = 0.0;
  config.gan.ema = 0.9;
  config.gan.diffaugment = "translation,cutout";
  return config;
}

// G, its EMA and D, every parameter, flattened on the CPU.
torch::Tensor flat_parameters(GanNets& nets) {
  std::vector<torch::Tensor> parts;
  for (torch::nn::Module* m : {static_cast<torch::nn::Module*>(nets.generator->net().get()),
                               static_cast<torch::nn::Module*>(nets.generator_ema->net().get()),
                               static_cast<torch::nn::Module*>(nets.discriminator.get())}) {
    for (const auto& p : m->parameters()) parts.push_back(p.detach().cpu().reshape({-1}));
  }
  return torch::cat(parts);
}

GanState state_of(GanNets& nets, int64_t step) {
  return GanState{nets.generator->net().get(), nets.generator_ema->net().get(), nets.discriminator.get(),
                  nets.optim_g.get(), nets.optim_d.get(), step};
}

const auto kNoAverage = [](torch::nn::Module&) {};

TEST(CudaGan, StepsOnGpuFollowTheCpu) {
  if (!has_gpu()) GTEST_SKIP() << "no CUDA device visible (torch::cuda::is_available() is false)";
  make_cuda_deterministic();
  const Config config = recipe();
  GanNets cpu = make_gan_nets(config), gpu = make_gan_nets(config, torch::kCUDA);
  const torch::Tensor init = flat_parameters(cpu);
  ASSERT_TRUE(torch::equal(flat_parameters(gpu), init));  // initialised on the CPU, then moved
  torch::manual_seed(4);
  const eval::LabeledImages real{torch::randint(0, 256, {256, 28, 28}, torch::kInt64).to(torch::kUInt8),
                                 torch::arange(256, torch::kInt64) % 10};
  const eval::LabeledImages real_on_gpu{real.images.cuda(), real.labels.cuda()};
  BatchPlan plan(static_cast<uint64_t>(config.seed), config.gan.batch_size, 0, 1);
  for (int64_t step = 0; step < 3; ++step) {
    const GanLosses a = gan_step(cpu, plan, real, step, kNoAverage);
    const GanLosses b = gan_step(gpu, plan, real_on_gpu, step, kNoAverage);
    ASSERT_TRUE(b.d.is_cuda() && b.g.is_cuda());
    // Hinge losses are O(1); a wrong batch, augmentation or label moves them by 1e-2 or more.
    EXPECT_NEAR(b.d.item<double>(), a.d.item<double>(), 2e-3) << "step " << step;
    EXPECT_NEAR(b.g.item<double>(), a.g.item<double>(), 2e-3) << "step " << step;
  }
  // Adam moves each weight by about lr per update whatever the gradient's size, so a gradient entry that is
  // rounding noise can point either way on the two devices: bound the weights' difference relative to how far
  // they moved (a device bug gives a ratio near 1).
  const torch::Tensor moved = flat_parameters(cpu) - init;
  const double difference = (flat_parameters(gpu) - flat_parameters(cpu)).norm().item<double>();
  const double ratio = difference / moved.norm().item<double>();
  EXPECT_GT(moved.norm().item<double>(), 0.0);
  EXPECT_LT(ratio, 0.05);
}

TEST(CudaGan, StateMovesBetweenDevices) {
  if (!has_gpu()) GTEST_SKIP() << "no CUDA device visible (torch::cuda::is_available() is false)";
  Config config = recipe();
  const auto folder = std::filesystem::temp_directory_path() / ("gan-cuda-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  config.gan.out = (folder / "g.h5").string();
  torch::manual_seed(5);
  const eval::LabeledImages real{torch::randint(0, 256, {64, 28, 28}, torch::kInt64).to(torch::kUInt8),
                                 torch::arange(64, torch::kInt64) % 10};
  BatchPlan plan(static_cast<uint64_t>(config.seed), config.gan.batch_size, 0, 1);
  GanNets gpu = make_gan_nets(config, torch::kCUDA);
  gan_step(gpu, plan, {real.images.cuda(), real.labels.cuda()}, 0, kNoAverage);
  write_gan_state(state_path(config), state_of(gpu, 1), config, "test", 1);
  // GPU state -> CPU run: the same weights, and it trains on.
  GanNets cpu = make_gan_nets(config);
  GanState loaded = state_of(cpu, 0);
  read_gan_state(state_path(config), loaded);
  EXPECT_EQ(loaded.step, 1);
  EXPECT_TRUE(torch::equal(flat_parameters(cpu), flat_parameters(gpu)));
  EXPECT_TRUE(std::isfinite(gan_step(cpu, plan, real, 1, kNoAverage).g.item<double>()));
  // CPU state -> GPU run: Adam's state lands on the GPU with the weights.
  write_gan_state(state_path(config), state_of(cpu, 2), config, "test", 1);
  GanNets back = make_gan_nets(config, torch::kCUDA);
  GanState reloaded = state_of(back, 0);
  read_gan_state(state_path(config), reloaded);
  EXPECT_TRUE(torch::equal(flat_parameters(back), flat_parameters(cpu)));
  const GanLosses after = gan_step(back, plan, {real.images.cuda(), real.labels.cuda()}, 2, kNoAverage);
  EXPECT_TRUE(std::isfinite(after.g.item<double>()));
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace synthview::gan
