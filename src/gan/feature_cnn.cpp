#include "gan/feature_cnn.h"

#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "gen/seeded_init.h"

namespace synthview::gan {
namespace {

constexpr int64_t kBatch = 64;
constexpr int64_t kEvalChunk = 1000;
const auto kStream = static_cast<RngStream>(static_cast<int64_t>(RngStream::kUser) + 31);

torch::nn::Conv2d conv(int64_t in, int64_t out) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1));
}

torch::Tensor chunked(const torch::Tensor& images, const std::function<torch::Tensor(const torch::Tensor&)>& f) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < images.size(0); start += kEvalChunk) {
    parts.push_back(f(images.slice(0, start, start + kEvalChunk).to(torch::kFloat32)));
  }
  return torch::cat(parts);
}

}  // namespace

FeatureCnnImpl::FeatureCnnImpl(int64_t channels, int64_t classes) {
  conv1_ = register_module("conv1", conv(channels, 16));
  conv2_ = register_module("conv2", conv(16, 32));
  conv3_ = register_module("conv3", conv(32, 64));
  embed_ = register_module("embed", torch::nn::Linear(64 * 16, 128));
  head_ = register_module("head", torch::nn::Linear(128, classes));
}

torch::Tensor FeatureCnnImpl::features(const torch::Tensor& images) {
  torch::Tensor x = torch::max_pool2d(torch::relu(conv1_->forward(images)), 2);
  x = torch::max_pool2d(torch::relu(conv2_->forward(x)), 2);
  x = torch::adaptive_avg_pool2d(torch::relu(conv3_->forward(x)), {4, 4});
  return torch::relu(embed_->forward(x.flatten(1)));
}

torch::Tensor FeatureCnnImpl::forward(const torch::Tensor& images) { return head_->forward(features(images)); }

FeatureCnn train_feature_cnn(const torch::Tensor& images, const torch::Tensor& labels, int64_t classes, int64_t steps,
                             uint64_t seed) {
  SV_CHECK(images.dim() == 4 && labels.size(0) == images.size(0), "CNN training input ", images.sizes(), " with ",
           labels.sizes(), " labels");
  FeatureCnn cnn(images.size(1), classes);
  CounterRng rng(seed);
  gen::seeded_init(*cnn, rng, [](const std::string&, const torch::Tensor& p) {
    if (p.dim() < 2) return gen::InitRule{0, 0};
    return gen::InitRule{std::sqrt(2.0 / static_cast<double>(p.numel() / p.size(0))), 0};  // Kaiming
  });
  torch::optim::Adam optimizer(cnn->parameters(), torch::optim::AdamOptions(1e-3));
  cnn->train();
  torch::AutoGradMode enable_grad(true);
  for (int64_t step = 0; step < steps; ++step) {
    torch::Tensor draws = torch::arange(kBatch, torch::kInt64) + step * kBatch;
    torch::Tensor index = rng.integers(kStream, draws, 1, images.size(0)).squeeze(1);
    torch::Tensor x = images.index_select(0, index).to(torch::kFloat32);
    torch::Tensor loss = torch::nn::functional::cross_entropy(cnn->forward(x), labels.index_select(0, index));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  cnn->eval();
  return cnn;
}

torch::Tensor cnn_features(FeatureCnn& cnn, const torch::Tensor& images) {
  return chunked(images, [&](const torch::Tensor& x) { return cnn->features(x); });
}

torch::Tensor cnn_predict(FeatureCnn& cnn, const torch::Tensor& images) {
  return chunked(images, [&](const torch::Tensor& x) { return cnn->forward(x).argmax(1); });
}

}  // namespace synthview::gan
