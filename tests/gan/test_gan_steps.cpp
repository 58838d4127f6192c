// Hinge losses against hand values; GAN updates are deterministic, reduce D's loss on a fixed batch, and
// resume exactly from a state file (both architectures, with EMA and DiffAugment): K steps, save, M steps
// == K + M steps straight, bit for bit.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "gan/gan_nets.h"
#include "gan/gan_state.h"
#include "gan/gan_step.h"
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
  torch::Tensor draws = torch::arange(16, torch::kInt64);
};

const auto kNoAverage = [](torch::nn::Module&) {};

void run_steps(GanNets& nets, const Batch& b, int steps) {
  for (int i = 0; i < steps; ++i) {
    discriminator_update(nets, b.real, b.labels, b.z, b.classes, b.draws, kNoAverage);
    generator_update(nets, b.z, b.classes, b.draws, kNoAverage);
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

GanState state_of(GanNets& nets, int64_t step) {
  return GanState{nets.generator->net().get(), nets.generator_ema ? nets.generator_ema->net().get() : nullptr,
                  nets.discriminator.get(), nets.optim_g.get(), nets.optim_d.get(), step};
}

TEST(GanSteps, DiscriminatorLossFallsOnAFixedBatch) {
  torch::manual_seed(1);
  Batch batch;
  GanNets nets = make_gan_nets(small_config());
  const double first = discriminator_update(nets, batch.real, batch.labels, batch.z, batch.classes, batch.draws, kNoAverage).item<double>();
  double last = first;
  for (int i = 0; i < 10; ++i) {
    last = discriminator_update(nets, batch.real, batch.labels, batch.z, batch.classes, batch.draws, kNoAverage).item<double>();
  }
  EXPECT_LT(last, first - 0.05) << "first " << first << " last " << last;
}

// Fake "real" data: 64 uint8 images 28x28 with labels, as eval::load_fashion_mnist returns them.
eval::LabeledImages fake_real_data() {
  torch::manual_seed(4);
  return {torch::randint(0, 256, {64, 28, 28}, torch::kInt64).to(torch::kUInt8), torch::arange(64, torch::kInt64) % 10};
}

struct TempFolder {
  explicit TempFolder(const std::string& name)
      : path(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~TempFolder() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

void run_plan(GanNets& nets, const Config& config, int64_t from, int64_t to) {
  const eval::LabeledImages real = fake_real_data();
  BatchPlan plan(static_cast<uint64_t>(config.seed), config.gan.batch_size, 0, 1);
  for (int64_t step = from; step < to; ++step) gan_step(nets, plan, real, step, kNoAverage);
}

void expect_exact_resume(const Config& config) {
  TempFolder folder("gan-state");
  Config c = config;
  c.gan.out = (folder.path / "g.h5").string();
  GanNets straight = make_gan_nets(c);
  run_plan(straight, c, 0, 5);

  GanNets first = make_gan_nets(c);
  run_plan(first, c, 0, 3);
  write_gan_state(state_path(c), state_of(first, 3), c, "test", 1);
  GanNets resumed = make_gan_nets(c);
  GanState loaded = state_of(resumed, 0);
  read_gan_state(state_path(c), loaded);
  EXPECT_EQ(loaded.step, 3);
  run_plan(resumed, c, 3, 5);
  expect_same_modules(*straight.generator->net(), *resumed.generator->net());
  expect_same_modules(*straight.discriminator, *resumed.discriminator);
  if (c.gan.ema > 0) {
    expect_same_modules(*straight.generator_ema->net(), *resumed.generator_ema->net());
    // The EMA moved away from G and from its own init.
    GanNets fresh = make_gan_nets(c);
    auto ema = straight.generator_ema->net()->named_parameters();
    EXPECT_FALSE(torch::equal(ema["project.weight"], straight.generator->net()->named_parameters()["project.weight"]));
    EXPECT_FALSE(torch::equal(ema["project.weight"], fresh.generator_ema->net()->named_parameters()["project.weight"]));
  }
  // Not vacuous: a different number of resumed steps gives different weights.
  run_plan(resumed, c, 5, 6);
  auto moved = resumed.generator->net()->named_parameters();
  EXPECT_FALSE(torch::equal(moved["project.weight"], straight.generator->net()->named_parameters()["project.weight"]));
}

TEST(GanSteps, ResumeFromStateIsExactDcgan) {
  Config config = small_config();
  config.gan.batch_size = 8;
  expect_exact_resume(config);
}

TEST(GanSteps, ResumeFromStateIsExactResNetWithEmaAndDiffAugment) {
  Config config = small_config();
  config.generator.arch = "resnet";
  config.gan.batch_size = 8;
  config.gan.n_dis = 2;
  config.gan.lr_g = 1e-4;  // two time scales
  config.gan.ema = 0.9;
  config.gan.diffaugment = "translation,cutout";
  expect_exact_resume(config);
}

// A state written by a run of config `saved` (after one step) read into the nets of `loaded`: an InputError
// whose message names `mention`.
void expect_state_mismatch(const Config& saved, const Config& loaded, const std::string& mention) {
  TempFolder folder("gan-mismatch");
  Config config = saved;
  config.gan.out = (folder.path / "g.h5").string();
  GanNets nets = make_gan_nets(config);
  run_steps(nets, Batch(), 1);
  write_gan_state(state_path(config), state_of(nets, 1), config, "test", 1);
  GanNets other = make_gan_nets(loaded);
  GanState target = state_of(other, 0);
  try {
    read_gan_state(state_path(config), target);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(mention), std::string::npos) << e.what();
  }
}

TEST(GanState, MismatchedArchitectureIsAnInputError) {
  Config wider = small_config();
  wider.gan.d_width = 16;
  expect_state_mismatch(small_config(), wider, "conv0.weight");
  Config resnet = small_config();
  resnet.generator.arch = "resnet";
  expect_state_mismatch(small_config(), resnet, "block0.conv1.weight missing");
}

TEST(GanState, EmaPresenceMustMatch) {
  Config with_ema = small_config();
  with_ema.gan.ema = 0.9;
  expect_state_mismatch(with_ema, small_config(), "generator_ema");
  expect_state_mismatch(small_config(), with_ema, "generator_ema");
}

}  // namespace
}  // namespace synthview::gan
