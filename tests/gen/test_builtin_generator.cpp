#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "core/rng.h"
#include "gen/builtin_generator.h"
#include "h5/h5.h"

using namespace synthview;

namespace {

gen::GeneratorInfo small_info() { return {16, 4, 3, 16}; }

torch::Tensor latents(int64_t n, int64_t dim) {
  return CounterRng(5).truncated_normal(RngStream::kUser, torch::arange(n, torch::kInt64), dim, 2.0).to(torch::kFloat32);
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("synthview_test_gen_" + name)).string();
}

}  // namespace

TEST(BuiltinGenerator, ShapeRangeAndSeededInit) {
  gen::BuiltinGenerator a(small_info(), 8, 1), b(small_info(), 8, 1), c(small_info(), 8, 2);
  torch::Tensor z = latents(6, 16);
  torch::Tensor y = torch::tensor({0, 1, 2, 3, 0, 1}, torch::kInt64);
  torch::Tensor images = a.generate(z, y);
  ASSERT_EQ(images.sizes(), torch::IntArrayRef({6, 3, 16, 16}));
  EXPECT_EQ(images.scalar_type(), torch::kFloat32);
  EXPECT_GE(images.min().item<float>(), -1);
  EXPECT_LE(images.max().item<float>(), 1);
  // Calibrated init: images use the range rather than sitting at 0 or saturating at +-1.
  EXPECT_GT(images.std().item<float>(), 0.2);
  EXPECT_LT(images.abs().gt(0.999).to(torch::kFloat32).mean().item<float>(), 0.2);
  EXPECT_TRUE(torch::equal(images, b.generate(z, y)));
  EXPECT_FALSE(torch::allclose(images, c.generate(z, y)));
  // The class changes the image.
  EXPECT_FALSE(torch::allclose(images[0], a.generate(z.slice(0, 0, 1), torch::tensor({2}, torch::kInt64))[0]));
  EXPECT_FALSE(images.requires_grad());
}

TEST(BuiltinGenerator, SampleDoesNotDependOnItsBatch) {
  gen::BuiltinGenerator g(small_info(), 8, 3);
  torch::Tensor z = latents(9, 16);
  torch::Tensor y = torch::remainder(torch::arange(9, torch::kInt64), 4);
  torch::Tensor whole = g.generate(z, y);
  torch::Tensor part = g.generate(z.slice(0, 4, 7), y.slice(0, 4, 7));
  EXPECT_TRUE(torch::allclose(whole.slice(0, 4, 7), part, 0, 1e-6));
}

TEST(BuiltinGenerator, RejectsUnsupportedResolution) {
  GeneratorSection section;
  section.resolution = 24;
  EXPECT_THROW(gen::builtin_info(section), InputError);
}

TEST(BuiltinGenerator, NetIsTrainable) {
  gen::BuiltinGenerator g(small_info(), 8, 1);
  auto& net = g.net();
  net->train();
  torch::Tensor out = net->forward(latents(4, 16), torch::tensor({0, 1, 2, 3}, torch::kInt64));
  out.mean().backward();
  int64_t with_grad = 0;
  for (const auto& p : net->parameters()) with_grad += p.grad().defined();
  EXPECT_EQ(with_grad, static_cast<int64_t>(net->parameters().size()));
}

TEST(BuiltinGenerator, HdfRoundTripGivesIdenticalImages) {
  gen::BuiltinGenerator g(small_info(), 8, 7);
  const std::string path = temp_path("roundtrip.h5");
  gen::save_builtin_generator(g, path);
  auto loaded = gen::BuiltinGenerator::load(path);
  EXPECT_EQ(loaded->info().latent_dim, 16);
  EXPECT_EQ(loaded->info().num_classes, 4);
  EXPECT_EQ(loaded->info().channels, 3);
  EXPECT_EQ(loaded->info().resolution, 16);
  EXPECT_EQ(loaded->width(), 8);
  torch::Tensor z = latents(5, 16);
  torch::Tensor y = torch::tensor({3, 2, 1, 0, 3}, torch::kInt64);
  EXPECT_TRUE(torch::equal(g.generate(z, y), loaded->generate(z, y)));
  // The layout is the documented one.
  h5::File file = h5::File::open_read(path);
  EXPECT_TRUE(h5::exists(file, "/generator/project.weight"));
  EXPECT_TRUE(h5::exists(file, "/generator/project_norm.running_var"));
  EXPECT_EQ(h5::read_attr_string(file, "/generator", "kind"), "builtin");
  std::filesystem::remove(path);
}

TEST(BuiltinGenerator, MismatchedWeightsNameTheTensors) {
  gen::BuiltinGenerator g(small_info(), 8, 7);
  const std::string path = temp_path("mismatch.h5");
  gen::save_builtin_generator(g, path);
  {
    h5::File file = h5::File::open_rw(path);
    h5::write_tensor(file, "/generator/project.weight", torch::zeros({3, 3}));
    file.close();
  }
  try {
    gen::BuiltinGenerator::load(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("project.weight has shape"), std::string::npos) << e.what();
  }
  EXPECT_THROW(gen::BuiltinGenerator::load(temp_path("missing.h5")), InputError);
  std::filesystem::remove(path);
}

TEST(BuiltinGenerator, ArchitectureAttributesAreRangeCheckedBeforeTheNetIsBuilt) {
  gen::BuiltinGenerator g(small_info(), 8, 7);
  const std::string path = temp_path("huge-width.h5");
  gen::save_builtin_generator(g, path);
  {
    h5::File file = h5::File::open_rw(path);
    h5::write_attr(file, "/generator", "width", int64_t(1) << 40);  // a net of exabytes if built
    file.close();
  }
  try {
    gen::BuiltinGenerator::load(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("attribute /generator@width = 1099511627776 is out of range: config key "
                                         "'generator.width': value '1099511627776' is not valid (expected int in "
                                         "[8, 4096])"),
              std::string::npos)
        << e.what();
  }
  std::filesystem::remove(path);
}
