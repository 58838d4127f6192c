// The generator this project ships (models/fmnist-generator.h5) draws recognisable classes: a logistic
// regression on the raw pixels of 10000 real training images labels its samples far above chance (10%).
// Bad generator files are exit-2 errors naming the path.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "eval/idx.h"
#include "eval/images.h"
#include "gan/pixel_classifier.h"
#include "gan/score.h"
#include "gen/builtin_generator.h"

namespace synthview::gan {
namespace {

const std::string kShipped = std::string(SYNTHVIEW_SOURCE_DIR) + "/models/fmnist-generator.h5";

TEST(ShippedGenerator, SamplesAreClassDistinctToARealDataClassifier) {
  auto generator = gen::BuiltinGenerator::load(kShipped);
  ASSERT_EQ(generator->info().num_classes, 10);
  eval::LabeledImages real = eval::load_fashion_mnist(DataSection().real_path, "train");
  const int64_t side = generator->info().resolution;
  torch::Tensor x = eval::to_encoder_input(real.images.slice(0, 0, 10000), generator->info().channels, side);
  PixelClassifier classifier(x, real.labels.slice(0, 0, 10000), 10, /*max_iterations=*/50);
  torch::Tensor images, labels;
  generate_per_class(*generator, 0, 100, images, labels);
  ASSERT_EQ(images.size(0), 1000);
  EXPECT_GE(images.min().item<double>(), -1.0);
  EXPECT_LE(images.max().item<double>(), 1.0);
  const double accuracy = classifier.accuracy(images, labels);
  EXPECT_GT(accuracy, 0.5) << "real-data classifier on generated samples: " << accuracy;
}

TEST(ShippedGenerator, MissingFileIsABadInputNamingThePath) {
  try {
    gen::BuiltinGenerator::load("/nonexistent/generator.h5");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/generator.h5"), std::string::npos) << e.what();
  }
}

TEST(ShippedGenerator, MalformedFileIsABadInputNamingThePath) {
  const auto path = (std::filesystem::temp_directory_path() / ("bad-generator-" + std::to_string(::getpid()) + ".h5")).string();
  std::ofstream(path) << "not an HDF5 file\n";
  try {
    gen::BuiltinGenerator::load(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

// configs/demo.yaml names the shipped weights relative to its own folder: they load from any directory.
TEST(ShippedGenerator, DemoConfigFindsItFromAnyDirectory) {
  for (const char* name : {"demo.yaml", "fmnist.yaml"}) {
    Config config = load_config(std::string(SYNTHVIEW_SOURCE_DIR) + "/configs/" + name);
    EXPECT_TRUE(std::filesystem::equivalent(config.generator.path, kShipped)) << name << ": " << config.generator.path;
    Config overridden = load_config(std::string(SYNTHVIEW_SOURCE_DIR) + "/configs/" + name, {"generator.path=x/g.h5"});
    EXPECT_EQ(overridden.generator.path, "x/g.h5");  // --set stays relative to the current directory
  }
}

}  // namespace
}  // namespace synthview::gan
