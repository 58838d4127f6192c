#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "eval/embedding_metrics.h"
#include "eval/features.h"
#include "eval/images.h"
#include "eval/report.h"

using namespace synthview;
using namespace synthview::eval;

TEST(EncoderInput, ScalesToMinusOneOneAndReplicatesChannels) {
  torch::Tensor images = torch::tensor({0, 51, 255, 128}, torch::kUInt8).view({1, 2, 2});
  torch::Tensor input = to_encoder_input(images, 3, 2);
  ASSERT_EQ(input.sizes(), (std::vector<int64_t>{1, 3, 2, 2}));
  ASSERT_EQ(input.scalar_type(), torch::kFloat32);
  torch::Tensor expected = torch::tensor({-1.0f, -0.6f, 1.0f, 128 / 127.5f - 1}).view({2, 2});
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(input[0][c].allclose(expected, 0, 1e-6)) << input[0][c];
  EXPECT_TRUE(to_encoder_input(images.unsqueeze(1), 1, 2).equal(input.narrow(1, 0, 1)));
}

TEST(EncoderInput, BilinearResizeWithHalfPixelCentres) {
  // 2x2 [[-1, 1], [1, -1]] to 4x4 with align_corners=false: output x maps to source (x + 0.5) / 2 - 0.5,
  // i.e. -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1). By hand: row 0 = [-1, -0.5, 0.5, 1];
  // row 1 = 0.75 * row 0 + 0.25 * (-row 0) = [-0.5, -0.25, 0.25, 0.5].
  torch::Tensor images = torch::tensor({0, 255, 255, 0}, torch::kUInt8).view({1, 2, 2});
  torch::Tensor input = to_encoder_input(images, 1, 4)[0][0];
  EXPECT_TRUE(input[0].allclose(torch::tensor({-1.0f, -0.5f, 0.5f, 1.0f}), 0, 1e-6)) << input;
  EXPECT_TRUE(input[1].allclose(torch::tensor({-0.5f, -0.25f, 0.25f, 0.5f}), 0, 1e-6)) << input;
  EXPECT_TRUE(input[3].allclose(-input[0], 0, 1e-6)) << input;
}

TEST(EncoderInput, RejectsWrongTypesAndChannels) {
  EXPECT_THROW(to_encoder_input(torch::zeros({1, 2, 2}), 1, 2), InputError);                    // float input
  EXPECT_THROW(to_encoder_input(torch::zeros({1, 2, 2, 2}, torch::kUInt8), 3, 2), InputError);  // 2 -> 3 channels
  EXPECT_THROW(to_encoder_input(torch::zeros({4}, torch::kUInt8), 1, 2), InputError);
}

TEST(Features, BatchesCoverEveryImageInOrderWithoutGrad) {
  torch::Tensor weight = torch::randn({3 * 2 * 2, 5}, torch::requires_grad());
  std::vector<int64_t> batch_sizes;
  Encode encode = [&](const torch::Tensor& batch) {
    batch_sizes.push_back(batch.size(0));
    return batch.flatten(1).matmul(weight).view({batch.size(0), 5, 1});  // extra dim: flattened to [b, 5]
  };
  torch::Tensor images = torch::randn({10, 3, 2, 2});
  torch::Tensor features = compute_features(encode, images, 4);
  EXPECT_EQ(batch_sizes, (std::vector<int64_t>{4, 4, 2}));
  EXPECT_FALSE(features.requires_grad());
  EXPECT_TRUE(features.allclose(images.flatten(1).matmul(weight).detach(), 1e-5, 1e-6));
}

TEST(Features, AnEncoderThatDropsRowsIsCaught) {
  Encode broken = [](const torch::Tensor& batch) { return batch.flatten(1).narrow(0, 0, 1); };
  EXPECT_THROW(compute_features(broken, torch::zeros({3, 1, 2, 2}), 2), Error);
}

TEST(EmbeddingMetrics, AlignmentByHand) {
  // Pairs at distance sqrt(2) (orthogonal) and 0: mean ||.||^2 = (2 + 0) / 2 = 1; alpha = 1: sqrt(2) / 2.
  torch::Tensor z1 = torch::tensor({{1.0, 0.0}, {0.0, 1.0}});
  torch::Tensor z2 = torch::tensor({{0.0, 1.0}, {0.0, 1.0}});
  EXPECT_NEAR(alignment(z1, z2), 1.0, 1e-12);
  EXPECT_NEAR(alignment(z1, z2, 1.0), std::sqrt(2.0) / 2, 1e-12);
  // Rows are normalised first: scaling an embedding changes nothing.
  EXPECT_NEAR(alignment(z1 * 5, z2 * 0.1), 1.0, 1e-12);
}

TEST(EmbeddingMetrics, UniformityByHand) {
  // (1,0), (-1,0), (0,1): squared distances 4, 2, 2 -> log((e^-8 + 2 e^-4) / 3) at t = 2.
  torch::Tensor z = torch::tensor({{1.0, 0.0}, {-1.0, 0.0}, {0.0, 3.0}});
  EXPECT_NEAR(uniformity(z), std::log((std::exp(-8.0) + 2 * std::exp(-4.0)) / 3), 1e-12);
  EXPECT_NEAR(uniformity(z, 1.0), std::log((std::exp(-4.0) + 2 * std::exp(-2.0)) / 3), 1e-12);
  // Identical points: every distance 0, uniformity log(1) = 0 (the worst value).
  EXPECT_NEAR(uniformity(torch::ones({4, 3})), 0.0, 1e-12);
}

TEST(EvalReport, OneLineJsonWithOnlyTheProbesThatRan) {
  EvalReport report;
  report.checkpoint = "runs/a \"b\"/step-00000100.h5";
  report.train_count = 60000;
  report.test_count = 10000;
  report.feature_dim = 512;
  report.feature_seconds = 1.5;
  EXPECT_EQ(report.to_json(),
            "{\"subject\":\"checkpoint\",\"checkpoint\":\"runs/a \\\"b\\\"/step-00000100.h5\",\"random_init\":false,"
            "\"data\":\"fashion-mnist\",\"split\":\"test\","
            "\"train\":60000,\"test\":10000,\"feature_dim\":512,\"feature_seconds\":1.5}");
  report.linear = LinearProbeResult{{0.85, 0.99}, {0.9, 1.0}, 42};
  report.linear_seconds = 3;
  report.knn = {{20, {0.8, 0.98}}, {200, {0.75, 0.97}}};
  report.knn_seconds = 2.25;
  const std::string json = report.to_json();
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_NE(json.find(",\"linear\":{\"top1\":0.85,\"top5\":0.99,\"train_top1\":0.9,\"loss_evaluations\":42,"
                      "\"seconds\":3}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(",\"knn\":{\"k20\":{\"top1\":0.8,\"top5\":0.98},\"k200\":{\"top1\":0.75,\"top5\":0.97},"
                      "\"seconds\":2.25}}"),
            std::string::npos)
      << json;
}
