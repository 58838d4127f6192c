#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "../support/run_python.h"
#include "core/error.h"
#include "model/contrastive_model.h"

using namespace synthview;
using namespace synthview::model;

namespace {

std::string shape_text(const torch::Tensor& t) {
  if (t.dim() == 0) return "scalar";
  std::string text;
  for (int64_t i = 0; i < t.dim(); ++i) text += (i ? "x" : "") + std::to_string(t.size(i));
  return text;
}

// "P name shape" / "B name shape" lines, parameters first, like torchvision_names.py prints.
std::vector<std::string> describe(torch::nn::Module& module) {
  std::vector<std::string> lines;
  for (const auto& p : module.named_parameters()) lines.push_back("P " + p.key() + " " + shape_text(p.value()));
  for (const auto& b : module.named_buffers()) lines.push_back("B " + b.key() + " " + shape_text(b.value()));
  return lines;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// torchvision_names.py's output for both architectures, split into "== arch" sections; run once
// (starting Python and importing torchvision costs seconds).
struct TorchvisionNames {
  bool available = false;
  std::map<std::string, std::vector<std::string>> lines;
};

const TorchvisionNames& torchvision_names() {
  static const TorchvisionNames names = [] {
    TorchvisionNames result;
    test_support::PythonResult python =
        test_support::run_python(std::string(SYNTHVIEW_TEST_DIR) + "/torchvision_names.py", "resnet18 resnet50");
    if (python.unavailable()) return result;
    EXPECT_EQ(python.exit_code, 0) << python.output;
    result.available = true;
    std::string arch;
    for (const std::string& line : split_lines(python.output)) {
      if (line.rfind("== ", 0) == 0) arch = line.substr(3);
      result.lines[arch].push_back(line);
    }
    return result;
  }();
  return names;
}

std::vector<std::string> committed_list(const std::string& arch) {
  std::ifstream file(std::string(SYNTHVIEW_TEST_DIR) + "/torchvision_" + arch + ".txt");
  std::stringstream text;
  text << file.rdbuf();
  return split_lines(text.str());
}

// torchvision's names from /usr/bin/python3 when it has torchvision; otherwise the list committed
// next to this test (generated once with torchvision 0.14 by torchvision_names.py).
std::vector<std::string> torchvision_reference(const std::string& arch) {
  if (torchvision_names().available) return torchvision_names().lines.at(arch);
  std::cout << "[ note ] torchvision not importable by /usr/bin/python3: using the committed list\n";
  return committed_list(arch);
}

int64_t count_parameters(torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& p : module.parameters()) total += p.numel();
  return total;
}

}  // namespace

TEST(ResNet, NamesAndShapesEqualTorchvision) {
  for (const std::string arch : {"resnet18", "resnet50"}) {
    ResNet net(resnet_spec(arch), 3, Stem::kImageNet, batch_norm_factory());
    std::vector<std::string> reference = torchvision_reference(arch);
    ASSERT_GT(reference.size(), 100u) << arch;
    EXPECT_EQ("== " + arch, reference.front());
    EXPECT_EQ(describe(*net), std::vector<std::string>(reference.begin() + 1, reference.end())) << arch;
  }
}

TEST(ResNet, CommittedReferenceListsAreTorchvisions) {
  for (const std::string arch : {"resnet18", "resnet50"}) {
    if (!torchvision_names().available) GTEST_SKIP() << "torchvision not importable by /usr/bin/python3";
    EXPECT_EQ(committed_list(arch), torchvision_names().lines.at(arch)) << arch;
  }
}

TEST(ResNet, ParameterCountsEqualTorchvisionWithoutFc) {
  // torchvision totals 11,689,512 and 25,557,032 minus their fc layers (512*1000+1000, 2048*1000+1000).
  ResNet r18(resnet_spec("resnet18"), 3, Stem::kImageNet, batch_norm_factory());
  ResNet r50(resnet_spec("resnet50"), 3, Stem::kImageNet, batch_norm_factory());
  EXPECT_EQ(count_parameters(*r18), 11689512 - 513000);
  EXPECT_EQ(count_parameters(*r50), 25557032 - 2049000);
  // The small stem swaps conv1's 7x7 kernel for a 3x3 one: 64*3*(49-9) fewer weights.
  ResNet small(resnet_spec("resnet18"), 3, Stem::kSmall, batch_norm_factory());
  EXPECT_EQ(count_parameters(*small), 11176512 - 64 * 3 * 40);
}

TEST(ResNet, OutputShapes) {
  torch::NoGradGuard no_grad;
  ResNet r18(resnet_spec("resnet18"), 1, Stem::kSmall, batch_norm_factory());
  EXPECT_EQ(r18->forward(torch::randn({2, 1, 32, 32})).sizes(), (std::vector<int64_t>{2, 512}));
  EXPECT_EQ(r18->forward(torch::randn({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 512}));
  ResNet r50(resnet_spec("resnet50"), 3, Stem::kImageNet, batch_norm_factory());
  r50->eval();
  EXPECT_EQ(r50->forward(torch::randn({1, 3, 224, 224})).sizes(), (std::vector<int64_t>{1, 2048}));
  EXPECT_EQ(r50->out_features(), 2048);
}

TEST(ResNet, InitialisedLikeTorchvisionAndDeterministic) {
  torch::manual_seed(5);
  ResNet a(resnet_spec("resnet18"), 3, Stem::kSmall, batch_norm_factory());
  torch::manual_seed(5);
  ResNet b(resnet_spec("resnet18"), 3, Stem::kSmall, batch_norm_factory());
  auto pa = a->named_parameters();
  auto pb = b->named_parameters();
  for (const auto& p : pa) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
  // kaiming normal, fan_out, ReLU gain: std = sqrt(2 / (out_channels * k * k)).
  torch::Tensor w = pa["layer3.0.conv2.weight"];
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / (256 * 9)), 0.01 * std::sqrt(2.0 / (256 * 9)));
  EXPECT_NEAR(w.mean().item<double>(), 0.0, 1e-4);
  EXPECT_TRUE(torch::equal(pa["layer2.0.downsample.1.weight"], torch::ones({128})));
  EXPECT_TRUE(torch::equal(pa["layer2.0.downsample.1.bias"], torch::zeros({128})));
}

TEST(Norm, GroupNormFactoryHasNoBatchStatistics) {
  EXPECT_EQ(group_norm_groups(64), 32);
  EXPECT_EQ(group_norm_groups(16), 16);
  EXPECT_EQ(group_norm_groups(48), 24);
  ResNet net(resnet_spec("resnet18"), 1, Stem::kSmall, group_norm_factory());
  EXPECT_TRUE(net->named_buffers().is_empty());
  EXPECT_EQ(count_parameters(*net), 11176512 - 64 * 3 * 49 + 64 * 1 * 9);
  // A GroupNorm encoder's output for one sample does not depend on the rest of the batch.
  torch::NoGradGuard no_grad;
  torch::Tensor x = torch::randn({3, 1, 28, 28});
  EXPECT_TRUE(torch::allclose(net->forward(x).narrow(0, 0, 1), net->forward(x.narrow(0, 0, 1)), 1e-4, 1e-5));
}

TEST(ProjectionHead, NamesAndBatchNorm1dEquivalence) {
  torch::manual_seed(1);
  ProjectionHead head(8, 16, 4, batch_norm_factory());
  std::vector<std::string> expected = {
      "P fc1.weight 16x8", "P bn1.weight 16", "P bn1.bias 16", "P fc2.weight 4x16", "P fc2.bias 4",
      "B bn1.running_mean 16", "B bn1.running_var 16", "B bn1.num_batches_tracked scalar"};
  EXPECT_EQ(describe(*head), expected);

  // Reference: the same MLP written with BatchNorm1d (train mode, batch statistics).
  auto params = head->named_parameters();
  torch::Tensor x = torch::randn({5, 8});
  torch::nn::BatchNorm1d bn(16);
  torch::Tensor hidden = torch::relu(bn->forward(torch::matmul(x, params["fc1.weight"].t())));
  torch::Tensor reference = torch::matmul(hidden, params["fc2.weight"].t()) + params["fc2.bias"];
  EXPECT_TRUE(torch::allclose(head->forward(x), reference, 1e-5, 1e-6));

  ProjectionHead plain(8, 16, 4, NormFactory{});
  EXPECT_EQ(describe(*plain), (std::vector<std::string>{"P fc1.weight 16x8", "P fc1.bias 16", "P fc2.weight 4x16",
                                                         "P fc2.bias 4"}));
}

TEST(ContrastiveModel, MakeModelBuildsNormalisedEmbeddings) {
  ModelSection section;
  section.encoder = "resnet18";
  section.proj_hidden = 32;
  section.proj_dim = 8;
  ContrastiveModel model = make_model(section, 1, 28, batch_norm_factory());
  auto params = model->named_parameters();
  EXPECT_EQ(params["encoder.conv1.weight"].sizes(), (std::vector<int64_t>{64, 1, 3, 3}));  // auto: small stem
  EXPECT_TRUE(params.contains("encoder.layer4.1.bn2.weight"));
  EXPECT_EQ(params["head.fc1.weight"].sizes(), (std::vector<int64_t>{32, 512}));
  EXPECT_TRUE(model->named_buffers().contains("head.bn1.running_var"));

  torch::Tensor x = torch::randn({4, 1, 28, 28});
  torch::Tensor z = model->forward(x);
  EXPECT_EQ(z.sizes(), (std::vector<int64_t>{4, 8}));
  EXPECT_TRUE(torch::allclose(z.norm(2, 1), torch::ones({4}), 1e-5, 1e-6));
  EXPECT_EQ(model->features(x).sizes(), (std::vector<int64_t>{4, 512}));

  EXPECT_EQ(resolve_stem("auto", 95), Stem::kSmall);
  EXPECT_EQ(resolve_stem("auto", 96), Stem::kImageNet);
  EXPECT_EQ(resolve_stem("small", 224), Stem::kSmall);
}

TEST(ContrastiveModel, BadNamesAreInputErrors) {
  ModelSection section;
  section.encoder = "resnet34";
  try {
    make_model(section, 3, 32, batch_norm_factory());
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("resnet34"), std::string::npos) << e.what();
  }
  section.encoder = "resnet18";
  section.stem = "tiny";
  EXPECT_THROW(make_model(section, 3, 32, batch_norm_factory()), InputError);
}
