#include <gtest/gtest.h>

#include <torch/script.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/rng.h"
#include "gen/torchscript_generator.h"

using namespace synthview;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("synthview_test_ts_" + name)).string();
}

// Saves a scripted module whose forward is `source`, with optional int attributes.
std::string save_module(const std::string& name, const std::string& source,
                        const std::vector<std::pair<std::string, int64_t>>& attributes = {}) {
  torch::jit::Module module("Generator");
  for (const auto& [key, value] : attributes) module.register_attribute(key, c10::IntType::get(), value);
  module.define(source);
  std::string path = temp_path(name + ".pt");
  module.save(path);
  return path;
}

torch::Tensor latents(int64_t n, int64_t dim) {
  return CounterRng(9).truncated_normal(RngStream::kUser, torch::arange(n, torch::kInt64), dim, 2.0).to(torch::kFloat32);
}

// Expects InputError whose message contains `fragment`.
void expect_input_error(const std::string& path, const std::string& fragment, GeneratorSection section = {}) {
  try {
    gen::TorchScriptGenerator generator(path, section, torch::kCPU);
    FAIL() << "expected InputError for " << path;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(TorchScriptGenerator, UnconditionalModuleMatchesDirectComputation) {
  std::string path = save_module("uncond", R"(
def forward(self, z):
    return torch.tanh(z.reshape(-1, 1, 4, 4) * 0.5)
)");
  GeneratorSection fallback;
  fallback.latent_dim = 16;  // no attribute: taken from the config
  gen::TorchScriptGenerator generator(path, fallback, torch::kCPU);
  EXPECT_EQ(generator.info().latent_dim, 16);
  EXPECT_EQ(generator.info().num_classes, 0);
  EXPECT_EQ(generator.info().channels, 1);
  EXPECT_EQ(generator.info().resolution, 4);
  torch::Tensor z = latents(5, 16);
  torch::Tensor images = generator.generate(z, torch::zeros({5}, torch::kInt64));
  EXPECT_TRUE(torch::allclose(images, torch::tanh(z.view({5, 1, 4, 4}) * 0.5), 0, 1e-6));
  std::filesystem::remove(path);
}

TEST(TorchScriptGenerator, ConditionalModuleReadsAttributes) {
  std::string path = save_module("cond", R"(
def forward(self, z, y):
    x = z.reshape(-1, 3, 2, 2) * 0.3 + y.reshape(-1, 1, 1, 1).float() * 0.1
    return torch.clamp(x, -1.0, 1.0)
)",
                                 {{"latent_dim", 12}, {"num_classes", 5}});
  gen::TorchScriptGenerator generator(path, GeneratorSection{}, torch::kCPU);
  EXPECT_EQ(generator.info().latent_dim, 12);
  EXPECT_EQ(generator.info().num_classes, 5);
  EXPECT_EQ(generator.info().channels, 3);
  EXPECT_EQ(generator.info().resolution, 2);
  torch::Tensor z = latents(4, 12);
  torch::Tensor y = torch::tensor({0, 4, 2, 1}, torch::kInt64);
  torch::Tensor expected = (z.view({4, 3, 2, 2}) * 0.3 + y.view({4, 1, 1, 1}).to(torch::kFloat32) * 0.1).clamp(-1, 1);
  EXPECT_TRUE(torch::allclose(generator.generate(z, y), expected, 0, 1e-6));
  std::filesystem::remove(path);
}

TEST(TorchScriptGenerator, MalformedModulesAreInputErrors) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"def forward(self, z):\n    return z\n", "returned shape [4, 16]"},
      {"def forward(self, z):\n    return z.reshape(-1, 1, 4, 4) * float('nan')\n", "non-finite"},
      {"def forward(self, z):\n    return z.reshape(-1, 1, 4, 4) * 10.0\n", "returned values in"},
      {"def forward(self, z):\n    return (z.reshape(-1, 1, 4, 4) * 0.0).long()\n", "dtype"},
      {"def forward(self, z, y, w):\n    return z\n", "forward takes 3 arguments"},
      {"def forward(self, z):\n    return z.reshape(-1, 2, 8)\n", "returned shape"},
      {"def forward(self, z):\n    return z.reshape(-1, 5, 7, 7)\n", "failed on z"},
      {"def forward(self, z):\n    return (z, z)\n", "returned a Tuple"},
  };
  GeneratorSection fallback;
  fallback.latent_dim = 16;
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string path = save_module("bad" + std::to_string(i), cases[i].first);
    expect_input_error(path, cases[i].second, fallback);
    std::filesystem::remove(path);
  }
  // Conditional module without any class count.
  std::string path = save_module("noclasses", "def forward(self, z, y):\n    return torch.tanh(z.reshape(-1, 1, 4, 4))\n");
  fallback.num_classes = 0;
  expect_input_error(path, "num_classes is 0", fallback);
  std::filesystem::remove(path);
  // Missing file and a file that is not a module.
  expect_input_error(temp_path("missing.pt"), "does not exist");
  std::string junk = temp_path("junk.pt");
  std::ofstream(junk) << "not a module";
  expect_input_error(junk, "not a loadable TorchScript module");
  std::filesystem::remove(junk);
}

TEST(TorchScriptGenerator, LatentSizeMismatchSaysWhichSettingToChange) {
  // A module built for 16 latents, without a latent_dim attribute, under the default generator.latent_dim.
  const std::string source =
      "def forward(self, z):\n    return torch.tanh(torch.mm(z, torch.ones(16, 16)).reshape(-1, 1, 4, 4))\n";
  const std::string path = save_module("latent16", source);
  GeneratorSection defaults;
  ASSERT_NE(defaults.latent_dim, 16);
  expect_input_error(path, "(the module has no latent_dim attribute, so generator.latent_dim=64 was used: set "
                           "generator.latent_dim to the module's latent size, or export the module with a latent_dim "
                           "attribute)", defaults);
  defaults.latent_dim = 16;
  EXPECT_EQ(gen::TorchScriptGenerator(path, defaults, torch::kCPU).info().resolution, 4);
  // With the attribute, the module's own failure is reported without the hint.
  const std::string attributed = save_module("latent16attr", source, {{"latent_dim", 12}});
  try {
    gen::TorchScriptGenerator generator(attributed, defaults, torch::kCPU);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("failed on z [4, 12]"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("no latent_dim attribute"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
  std::filesystem::remove(attributed);
}
