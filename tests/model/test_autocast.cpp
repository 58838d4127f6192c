// AutocastGuard (train.precision=bf16) against PyTorch's own ops: inside the guard a conv and a
// linear layer compute in bfloat16 and match a float32 reference to bf16 accuracy; after it ops are
// float32 again; the guard's gradients match float32 ones.
#include <gtest/gtest.h>

#include "model/autocast.h"
#include "model/contrastive_model.h"

namespace synthview::model {
namespace {

TEST(Autocast, ConvRunsInBf16InsideTheGuardOnly) {
  torch::manual_seed(0);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 8, 3).padding(1));
  torch::Tensor x = torch::randn({4, 3, 16, 16});
  torch::Tensor reference = conv->forward(x);
  torch::Tensor inside;
  {
    AutocastGuard guard(torch::kCPU, true);
    inside = conv->forward(x);
  }
  EXPECT_EQ(inside.scalar_type(), torch::kBFloat16);
  EXPECT_EQ(conv->forward(x).scalar_type(), torch::kFloat);
  // bf16 keeps 8 significant bits: relative error of a 27-term dot product stays near 2^-8.
  double relative = ((inside.to(torch::kFloat) - reference).norm() / reference.norm()).item<double>();
  EXPECT_GT(relative, 0.0);  // it really ran in lower precision
  EXPECT_LT(relative, 2e-2);
}

TEST(Autocast, DisabledGuardChangesNothing) {
  torch::nn::Linear linear(8, 4);
  AutocastGuard guard(torch::kCPU, false);
  EXPECT_EQ(linear->forward(torch::randn({2, 8})).scalar_type(), torch::kFloat);
}

TEST(Autocast, GradientsOfTheEncoderMatchFloat32) {
  torch::manual_seed(1);
  ModelSection section;
  section.width = 8;
  section.proj_hidden = 32;
  section.proj_dim = 16;
  ContrastiveModel model = make_model(section, 1, 16, batch_norm_factory());
  torch::Tensor x = torch::randn({8, 1, 16, 16});
  torch::Tensor weights = torch::randn({8, 16});  // not |out|^2: embeddings are unit vectors

  auto gradients = [&](bool bf16) {
    model->zero_grad();
    torch::Tensor out;
    {
      AutocastGuard guard(torch::kCPU, bf16);
      out = model->forward(x);
    }
    (out.to(torch::kFloat) * weights).sum().backward();  // a fixed linear functional of the embeddings
    std::vector<torch::Tensor> grads;
    for (const auto& p : model->parameters()) grads.push_back(p.grad().flatten().clone());
    return torch::cat(grads);
  };
  torch::Tensor fp32 = gradients(false);
  torch::Tensor bf16 = gradients(true);
  EXPECT_EQ(bf16.scalar_type(), torch::kFloat);  // parameters and their gradients stay float32
  EXPECT_TRUE(torch::isfinite(bf16).all().item<bool>());
  double cosine = (fp32.dot(bf16) / (fp32.norm() * bf16.norm())).item<double>();
  // Through 20 layers of bf16 (CPU autocast also leaves batch norm in the input's bf16) the direction
  // drifts by a few degrees; a wrong cast, a lost gradient or a float16 overflow lands far below this.
  EXPECT_GT(cosine, 0.9);
  EXPECT_FALSE(torch::equal(fp32, bf16));
}

}  // namespace
}  // namespace synthview::model
