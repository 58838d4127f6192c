// Architecture checks, diff and export.
#include <gtest/gtest.h>

#include <limits>

#include "ckpt/diff.h"
#include "ckpt/export.h"
#include "ckpt/shapes.h"
#include "core/error.h"
#include "fixture/sample_checkpoint.h"
#include "h5/h5.h"
#include "temp_dir.h"

using namespace synthview;
using synthview::test_files::TempDir;

TEST(Shapes, MismatchMessageListsEveryTensor) {
  ckpt::ShapeList expected = {{"conv1.weight", {64, 3, 7, 7}}, {"fc.weight", {10, 512}}, {"bn1.bias", {64}}};
  ckpt::ShapeList found = {{"conv1.weight", {64, 1, 3, 3}}, {"bn1.bias", {64}}, {"extra", {2}}};
  std::vector<std::string> lines = ckpt::shape_mismatches(expected, found);
  std::vector<std::string> want = {"conv1.weight: expected [64, 3, 7, 7], found [64, 1, 3, 3]",
                                   "fc.weight: expected [10, 512], missing", "extra: unexpected, found [2]"};
  EXPECT_EQ(lines, want);
  try {
    ckpt::compare_tensor_shapes(expected, found, "checkpoint 'runs/x/step.h5'");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("checkpoint 'runs/x/step.h5': 3 tensors do not match"), std::string::npos) << message;
    for (const auto& line : want) EXPECT_NE(message.find(line), std::string::npos) << message;
  }
  EXPECT_NO_THROW(ckpt::compare_tensor_shapes(expected, expected, "same"));
  EXPECT_TRUE(ckpt::shape_mismatches(ckpt::shapes_of({{"a", torch::zeros({2, 3})}}), {{"a", {2, 3}}}).empty());
}

TEST(Shapes, CopyIntoLiveTensorsChecksThenCopiesInPlace) {
  torch::nn::Linear layer(3, 2);
  ckpt::NamedTensors live;
  for (auto& item : layer->named_parameters()) live.emplace_back(item.key(), item.value());
  ckpt::NamedTensors saved = {{"weight", torch::arange(6, torch::kFloat32).reshape({2, 3})},
                              {"bias", torch::tensor({7.0f, 8.0f})}};
  ckpt::copy_tensors_into(saved, live, "ckpt");
  EXPECT_TRUE(torch::equal(layer->weight, saved[0].second));
  EXPECT_TRUE(torch::equal(layer->bias, saved[1].second));
  EXPECT_TRUE(layer->weight.requires_grad());

  ckpt::NamedTensors wrong_shape = {{"weight", torch::zeros({3, 3})}, {"bias", torch::zeros({2})}};
  EXPECT_THROW(ckpt::copy_tensors_into(wrong_shape, live, "ckpt"), InputError);
  ckpt::NamedTensors wrong_dtype = {{"weight", torch::zeros({2, 3})}, {"bias", torch::zeros({2}, torch::kFloat64)}};
  EXPECT_THROW(ckpt::copy_tensors_into(wrong_dtype, live, "ckpt"), InputError);
  EXPECT_TRUE(torch::equal(layer->weight, saved[0].second));  // a failed check copies nothing
}

TEST(Diff, MaxAbsAndRelativeAgainstHandComputed) {
  torch::Tensor a = torch::tensor({1.0, -2.0, 0.0, 4.0});
  torch::Tensor b = torch::tensor({1.0, -2.5, 0.0, 4.1});
  ckpt::TensorDiff d = ckpt::diff_tensors("x", a, b, 0);
  EXPECT_DOUBLE_EQ(d.max_abs, 0.5);
  EXPECT_NEAR(d.max_rel, 0.5 / 2.5, 1e-12);
  EXPECT_FALSE(d.within);
  EXPECT_TRUE(ckpt::diff_tensors("x", a, b, 0.5).within);
  EXPECT_FALSE(ckpt::diff_tensors("x", a, b, 0.4).within);

  double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  torch::Tensor special = torch::tensor({nan, inf, 1.0});
  ckpt::TensorDiff same = ckpt::diff_tensors("s", special, special.clone(), 0);
  EXPECT_EQ(same.max_abs, 0);
  EXPECT_TRUE(same.within);
  ckpt::TensorDiff nan_vs_number = ckpt::diff_tensors("s", special, torch::tensor({0.0, inf, 1.0}), 1e9);
  EXPECT_EQ(nan_vs_number.max_abs, inf);
  EXPECT_FALSE(nan_vs_number.within);
  // -0.0 and 0.0: equal values, different bits: tol 0 means bit-identical.
  EXPECT_FALSE(ckpt::diff_tensors("z", torch::tensor({0.0}), torch::tensor({-0.0}), 0).within);
  EXPECT_FALSE(ckpt::diff_tensors("t", torch::zeros({2}), torch::zeros({3}), 1).comparable);
  EXPECT_FALSE(ckpt::diff_tensors("t", torch::zeros({2}), torch::zeros({2}, torch::kFloat64), 1).comparable);
}

TEST(CkptDiff, NormRelativeToleranceIgnoresTinyElements) {
  // Element 1 is off by 100% of itself, but the tensor as a whole by 1e-8 of its norm.
  torch::Tensor a = torch::tensor({1.0, 1e-8}, torch::kFloat64);
  torch::Tensor b = torch::tensor({1.0, 2e-8}, torch::kFloat64);
  ckpt::TensorDiff d = ckpt::diff_tensors("x", a, b, 0, 1e-6);
  EXPECT_NEAR(d.max_rel, 0.5, 1e-12);
  EXPECT_NEAR(d.norm_rel, 1e-8, 1e-12);
  EXPECT_TRUE(d.within);
  EXPECT_FALSE(ckpt::diff_tensors("x", a, b, 0, 1e-9).within);
  EXPECT_FALSE(ckpt::diff_tensors("x", a, b, 0, 0).within);  // both 0: bit-identical required
}

TEST(Diff, CheckpointsIdenticalPerturbedAndDifferentSets) {
  ckpt::Checkpoint a = test_files::sample_checkpoint(100);
  ckpt::Checkpoint b = test_files::sample_checkpoint(100);  // same seed: same tensors
  EXPECT_TRUE(ckpt::diff_checkpoints(a, b, 0).all_within());

  b.optim.tensors[0].second = b.optim.tensors[0].second.clone();
  b.optim.tensors[0].second.view(-1)[3] += 1e-3;
  ckpt::CheckpointDiff d = ckpt::diff_checkpoints(a, b, 0);
  EXPECT_TRUE(d.same_tensor_set());
  EXPECT_FALSE(d.all_within());
  for (const auto& t : d.tensors) {
    SCOPED_TRACE(t.name);
    bool is_perturbed = t.name == "optim/encoder.conv1.weight/momentum_buffer";
    EXPECT_EQ(t.within, !is_perturbed);
    if (is_perturbed) {
      EXPECT_NEAR(t.max_abs, 1e-3, 1e-6);
    }
  }
  EXPECT_TRUE(ckpt::diff_checkpoints(a, b, 1e-2).all_within());

  b.model.head.emplace_back("new.weight", torch::zeros({1}));
  b.train.step = 120;
  d = ckpt::diff_checkpoints(a, b, 1e-2);
  EXPECT_FALSE(d.same_tensor_set());
  EXPECT_EQ(d.only_in_b, std::vector<std::string>{"model/head/new.weight"});
  EXPECT_EQ(d.state_differences, std::vector<std::string>{"step: 100 vs 120"});
}

TEST(Export, TorchvisionLayoutAndArchitectureDetection) {
  TempDir dir;
  ckpt::Checkpoint c = test_files::sample_checkpoint(42);
  ckpt::EncoderLayout layout = ckpt::export_torchvision(c, "src.h5", dir.file("enc.h5"));
  EXPECT_EQ(layout.arch, "resnet18");
  EXPECT_EQ(layout.stem, "small");
  EXPECT_EQ(layout.in_channels, 1);
  h5::File file = h5::File::open_read(dir.file("enc.h5"));
  EXPECT_EQ(h5::read_attr_string(file, "/", "arch"), "resnet18");
  EXPECT_EQ(h5::read_attr_string(file, "/", "stem"), "small");
  EXPECT_EQ(h5::read_attr_int(file, "/", "in_channels"), 1);
  EXPECT_EQ(h5::read_attr_int(file, "/", "step"), 42);
  std::vector<std::string> names = h5::list_datasets(file, "/");
  EXPECT_EQ(names.size(), c.model.encoder.size() + c.model.encoder_buffers.size());
  EXPECT_TRUE(torch::equal(h5::read_tensor(file, "layer3.1.conv2.weight"), c.model.encoder[3 + 2 * 3 * 2 + 3 + 2].second));
  EXPECT_EQ(h5::read_tensor(file, "bn1.num_batches_tracked").dim(), 0);

  // Bottleneck blocks 3-4-6-3 with a 7x7 stem: resnet50 on 3 channels.
  ckpt::NamedTensors r50 = {{"conv1.weight", torch::zeros({64, 3, 7, 7})}};
  for (auto [layer, blocks] : std::vector<std::pair<int, int>>{{1, 3}, {2, 4}, {3, 6}, {4, 3}}) {
    for (int b = 0; b < blocks; ++b) r50.emplace_back(str("layer", layer, ".", b, ".conv3.weight"), torch::zeros({1}));
  }
  ckpt::EncoderLayout l50 = ckpt::describe_encoder(r50);
  EXPECT_EQ(l50.arch, "resnet50");
  EXPECT_EQ(l50.stem, "imagenet");
  EXPECT_EQ(l50.in_channels, 3);
  EXPECT_EQ(l50.feature_dim, 2048);
  r50.pop_back();
  EXPECT_THROW(ckpt::describe_encoder(r50), InputError);
  EXPECT_THROW(ckpt::describe_encoder({{"w", torch::zeros({1})}}), InputError);
}
