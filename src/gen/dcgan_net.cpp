#include "gen/dcgan_net.h"

#include <cmath>

#include "core/error.h"

namespace synthview::gen {
namespace {

torch::nn::ConvTranspose2d up_conv(int64_t in, int64_t out, bool bias) {
  return torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(in, out, 4).stride(2).padding(1).bias(bias));
}

}  // namespace

DcganNet::DcganNet(const GeneratorInfo& info, int64_t width) : GeneratorNet(info, width) {
  const int64_t k = upsamplings(info.resolution);
  SV_CHECK(k >= 1, "resolution must be 4 * 2^k, got ", info.resolution);
  start_channels_ = width * (int64_t{1} << (k - 1));
  int64_t input = info.latent_dim;
  if (info.num_classes > 0) {
    embed_ = register_module("embed", torch::nn::Embedding(info.num_classes, info.latent_dim));
    input += info.latent_dim;
  }
  project_ = register_module("project", torch::nn::Linear(torch::nn::LinearOptions(input, start_channels_ * 16).bias(false)));
  project_norm_ = register_module("project_norm", torch::nn::BatchNorm2d(start_channels_));
  blocks_ = torch::nn::Sequential();
  int64_t channels = start_channels_;
  for (int64_t i = 1; i < k; ++i) {
    blocks_->push_back(up_conv(channels, channels / 2, /*bias=*/false));
    blocks_->push_back(torch::nn::BatchNorm2d(channels / 2));
    blocks_->push_back(torch::nn::ReLU());
    channels /= 2;
  }
  blocks_->push_back(up_conv(channels, info.channels, /*bias=*/true));
  blocks_->push_back(torch::nn::Tanh());
  register_module("blocks", blocks_);
}

torch::Tensor DcganNet::forward(const torch::Tensor& z, const torch::Tensor& class_ids) {
  torch::Tensor input = z;
  if (embed_) input = torch::cat({z, embed_->forward(class_ids)}, 1);
  torch::Tensor x = project_->forward(input).view({z.size(0), start_channels_, 4, 4});
  x = torch::relu(project_norm_->forward(x));
  return blocks_->forward(x);
}

// A transposed conv with stride 2 sums in_channels * k*k / 4 inputs per output pixel.
InitRule DcganNet::init_rule(const std::string& name, const torch::Tensor& p) const {
  if (name.find("embed") != std::string::npos) return {1.0, 0};
  if (p.dim() == 2) return {std::sqrt(2.0 / p.size(1)), 0};                                 // linear [out, in]
  if (p.dim() == 4) return {std::sqrt(2.0 / (p.size(0) * p.size(2) * p.size(3) / 4.0)), 0};  // convT [in, out, k, k]
  return {0, name.find("weight") != std::string::npos ? 1.0 : 0.0};                         // BN scale 1, biases 0
}

}  // namespace synthview::gen
