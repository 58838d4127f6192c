// generator.arch=resnet: conditional batch norm against a direct computation; the ResNet generator draws
// in range, depends on seed and class but not on its batch, round-trips through its weights file (format
// version 2, arch attribute) while dcgan files stay version 1; an unknown arch is an InputError.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "core/rng.h"
#include "gen/builtin_generator.h"
#include "gen/conditional_bn.h"
#include "h5/h5.h"

using namespace synthview;

namespace {

gen::GeneratorInfo info() { return {16, 4, 1, 16}; }

torch::Tensor latents(int64_t n) {
  return CounterRng(9).truncated_normal(RngStream::kUser, torch::arange(n, torch::kInt64), 16, 2.0).to(torch::kFloat32);
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("synthview_resnet_" + std::to_string(::getpid()) + name)).string();
}

TEST(ConditionalBatchNorm, MatchesADirectComputation) {
  gen::ConditionalBatchNorm cbn(3, 4);
  torch::NoGradGuard no_grad;
  auto params = cbn->named_parameters();
  params["gain.weight"].copy_(torch::arange(12, torch::kFloat32).view({4, 3}) * 0.5);
  params["shift.weight"].copy_(torch::arange(12, torch::kFloat32).view({4, 3}) - 6);
  torch::manual_seed(3);
  torch::Tensor x = torch::randn({5, 3, 2, 2}, torch::kFloat64).to(torch::kFloat32);
  torch::Tensor y = torch::tensor({0, 3, 1, 3, 2}, torch::kInt64);
  cbn->train();
  torch::Tensor out = cbn->forward(x, y);
  for (int64_t b = 0; b < 5; ++b) {
    for (int64_t c = 0; c < 3; ++c) {
      torch::Tensor channel = x.select(1, c).to(torch::kFloat64);
      const double mean = channel.mean().item<double>();
      const double var = channel.var(/*unbiased=*/false).item<double>();
      const int64_t k = y[b].item<int64_t>();
      torch::Tensor expected = (x[b][c].to(torch::kFloat64) - mean) / std::sqrt(var + 1e-5) * (0.5 * (3 * k + c)) +
                               (3 * k + c - 6);
      EXPECT_TRUE(torch::allclose(out[b][c].to(torch::kFloat64), expected, 1e-4, 1e-4)) << b << " " << c;
    }
  }
}

TEST(ResNetGenerator, ShapeRangeSeedAndClass) {
  gen::BuiltinGenerator a(info(), 16, 1, "resnet"), b(info(), 16, 1, "resnet"), c(info(), 16, 2, "resnet");
  EXPECT_EQ(a.arch(), "resnet");
  torch::Tensor z = latents(8);
  torch::Tensor y = torch::remainder(torch::arange(8, torch::kInt64), 4);
  torch::Tensor images = a.generate(z, y);
  ASSERT_EQ(images.sizes(), torch::IntArrayRef({8, 1, 16, 16}));
  EXPECT_GE(images.min().item<float>(), -1);
  EXPECT_LE(images.max().item<float>(), 1);
  EXPECT_GT(images.std().item<float>(), 0.05);
  EXPECT_TRUE(torch::equal(images, b.generate(z, y)));
  EXPECT_FALSE(torch::allclose(images, c.generate(z, y)));
  // Fresh conditional gains are all 1 and shifts 0, so the class only acts once trained: perturb one class.
  {
    torch::NoGradGuard no_grad;
    a.net()->named_parameters()["block0.cbn1.shift.weight"][2].fill_(1.0);
  }
  torch::Tensor y2 = torch::full({8}, int64_t{2}), y0 = torch::zeros({8}, torch::kInt64);
  EXPECT_FALSE(torch::allclose(a.generate(z, y2), a.generate(z, y0)));
  EXPECT_TRUE(torch::equal(a.generate(z, y0), b.generate(z, y0)));
}

TEST(ResNetGenerator, SampleDoesNotDependOnItsBatch) {
  gen::BuiltinGenerator g(info(), 16, 3, "resnet");
  torch::Tensor z = latents(9);
  torch::Tensor y = torch::remainder(torch::arange(9, torch::kInt64), 4);
  EXPECT_TRUE(torch::allclose(g.generate(z, y).slice(0, 4, 7), g.generate(z.slice(0, 4, 7), y.slice(0, 4, 7)), 0, 1e-6));
}

TEST(ResNetGenerator, WeightsFileRoundTripAndVersions) {
  gen::BuiltinGenerator g(info(), 16, 4, "resnet"), old(info(), 8, 4, "dcgan");
  const std::string path = temp_path("resnet.h5"), old_path = temp_path("dcgan.h5");
  gen::save_builtin_generator(g, path);
  gen::save_builtin_generator(old, old_path);
  auto loaded = gen::BuiltinGenerator::load(path);
  EXPECT_EQ(loaded->arch(), "resnet");
  EXPECT_EQ(gen::BuiltinGenerator::load(old_path)->arch(), "dcgan");
  torch::Tensor z = latents(5);
  torch::Tensor y = torch::tensor({3, 2, 1, 0, 3}, torch::kInt64);
  EXPECT_TRUE(torch::equal(g.generate(z, y), loaded->generate(z, y)));
  {
    h5::File file = h5::File::open_read(path);
    EXPECT_EQ(h5::read_attr_int(file, "/generator", "format_version"), 2);
    EXPECT_EQ(h5::read_attr_string(file, "/generator", "arch"), "resnet");
    EXPECT_TRUE(h5::exists(file, "/generator/block0.cbn1.gain.weight"));
    EXPECT_TRUE(h5::exists(file, "/generator/block0.cbn1.norm.running_var"));
    h5::File dcgan = h5::File::open_read(old_path);
    EXPECT_EQ(h5::read_attr_int(dcgan, "/generator", "format_version"), 1);
  }
  // A resnet file whose arch attribute says dcgan lists the tensors that do not fit.
  {
    h5::File file = h5::File::open_rw(path);
    h5::write_attr(file, "/generator", "arch", "dcgan");
    file.close();
  }
  try {
    gen::BuiltinGenerator::load(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("block0.conv1.weight unexpected"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
  std::filesystem::remove(old_path);
}

TEST(ResNetGenerator, UnknownArchIsAnInputError) {
  EXPECT_THROW(gen::BuiltinGenerator(info(), 16, 1, "stylegan"), InputError);
}

}  // namespace
