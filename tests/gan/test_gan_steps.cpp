// Hinge losses against hand values; GAN updates are deterministic, reduce D's loss on a fixed batch, and
// resume exactly from a state file.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "gan/gan_nets.h"
#include "gan/gan_state.h"
#include "gan/hinge.h"

namespace synthview::gan {
namespace {

TEST(Hinge, HandValues) {
  torch::Tensor real = torch::tensor({2.0, 0.5, -1.0});
  torch::Tensor fake = torch::tensor({-2.0, 0.0, 0.5});
  // real: relu(1 - s) = 0, 0.5, 2 (mean 5/6); fake: relu(1 + s) = 0, 1, 1.5 (mean 5/6).
  EXPECT_NEAR(hinge_d_loss(real, fake).item<double>(), 5.0 / 3.0, 1e-6);
  EXPECT_NEAR(hinge_g_loss(fake).item<double>(), 0.5, 1e-6);
}

Config small_config() {
  Config config;
  config.generator.latent_dim = 8;
  config.generator.width = 8;
  config.generator.resolution = 16;
  config.generator.num_classes = 10;
  config.gan.d_width = 8;
  config.gan.lr_d = 1e-3;
  return config;
}

struct Batch {
  torch::Tensor real = torch::rand({16, 1, 16, 16}, torch::TensorOptions().dtype(torch::kFloat32)) * 2 - 1;
  torch::Tensor labels = torch::arange(16, torch::kInt64) % 10;
  torch::Tensor z = torch::randn({16, 8});
  torch::Tensor classes = (torch::arange(16, torch::kInt64) * 7) % 10;
};

const auto kNoAverage = [](torch::nn::Module&) {};

void run_steps(GanNets& nets, const Batch& b, int steps) {
  for (int i = 0; i < steps; ++i) {
    discriminator_update(nets, b.real, b.labels, b.z, b.classes, kNoAverage);
    generator_update(nets, b.z, b.classes, kNoAverage);
  }
}

void expect_same_modules(torch::nn::Module& a, torch::nn::Module& b) {
  auto pa = a.named_parameters(), pb = b.named_parameters();
  for (auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
  auto ba = a.named_buffers(), bb = b.named_buffers();
  for (auto& item : ba) EXPECT_TRUE(torch::equal(item.value(), bb[item.key()])) << item.key();
}

TEST(GanSteps, DeterministicFromTheSeed) {
  torch::manual_seed(0);
  Batch batch;
  GanNets a = make_gan_nets(small_config()), b = make_gan_nets(small_config());
  run_steps(a, batch, 2);
  run_steps(b, batch, 2);
  expect_same_modules(*a.generator->net(), *b.generator->net());
  expect_same_modules(*a.discriminator, *b.discriminator);
}

TEST(GanSteps, DiscriminatorLossFallsOnAFixedBatch) {
  torch::manual_seed(1);
  Batch batch;
  GanNets nets = make_gan_nets(small_config());
  const double first = discriminator_update(nets, batch.real, batch.labels, batch.z, batch.classes, kNoAverage).item<double>();
  double last = first;
  for (int i = 0; i < 10; ++i) {
    last = discriminator_update(nets, batch.real, batch.labels, batch.z, batch.classes, kNoAverage).item<double>();
  }
  EXPECT_LT(last, first - 0.05) << "first " << first << " last " << last;
}

TEST(GanSteps, ResumeFromStateIsExact) {
  torch::manual_seed(2);
  Batch batch;
  Config config = small_config();
  const auto folder = std::filesystem::temp_directory_path() / ("gan-state-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  config.gan.out = (folder / "g.h5").string();

  GanNets straight = make_gan_nets(config);
  run_steps(straight, batch, 3);

  GanNets first = make_gan_nets(config);
  run_steps(first, batch, 2);
  GanState saved{first.generator->net().ptr().get(), first.discriminator.ptr().get(), first.optim_g.get(),
                 first.optim_d.get(), 2};
  write_gan_state(state_path(config), saved, config, "test", 1);

  GanNets resumed = make_gan_nets(config);
  GanState loaded{resumed.generator->net().ptr().get(), resumed.discriminator.ptr().get(), resumed.optim_g.get(),
                  resumed.optim_d.get(), 0};
  read_gan_state(state_path(config), loaded);
  EXPECT_EQ(loaded.step, 2);
  run_steps(resumed, batch, 1);
  expect_same_modules(*straight.generator->net(), *resumed.generator->net());
  expect_same_modules(*straight.discriminator, *resumed.discriminator);
  std::filesystem::remove_all(folder);
}

TEST(GanState, MismatchedArchitectureIsAnInputError) {
  Config config = small_config();
  const auto folder = std::filesystem::temp_directory_path() / ("gan-mismatch-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  config.gan.out = (folder / "g.h5").string();
  GanNets nets = make_gan_nets(config);
  Batch batch;
  run_steps(nets, batch, 1);
  GanState saved{nets.generator->net().ptr().get(), nets.discriminator.ptr().get(), nets.optim_g.get(),
                 nets.optim_d.get(), 1};
  write_gan_state(state_path(config), saved, config, "test", 1);
  Config wider = config;
  wider.gan.d_width = 16;
  GanNets other = make_gan_nets(wider);
  GanState target{other.generator->net().ptr().get(), other.discriminator.ptr().get(), other.optim_g.get(),
                  other.optim_d.get(), 0};
  try {
    read_gan_state(state_path(config), target);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("conv0.weight"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace synthview::gan
