#include "gan/discriminator.h"

#include <cmath>

#include "core/error.h"
#include "gan/resnet_discriminator.h"
#include "gen/seeded_init.h"

namespace synthview::gan {

void ProjectionHead::build(torch::nn::Module& owner, int64_t features, int64_t num_classes) {
  linear_ = owner.register_module("linear", SNWeight(std::vector<int64_t>{1, features}));
  linear_bias_ = owner.register_parameter("linear_bias", torch::zeros({1}));
  if (num_classes > 0) embed_ = owner.register_module("embed", SNWeight(std::vector<int64_t>{num_classes, features}));
}

torch::Tensor ProjectionHead::score(const torch::Tensor& h, const torch::Tensor& class_ids) {
  torch::Tensor score = torch::addmm(linear_bias_, h, linear_->normalized().t()).squeeze(1);
  if (embed_) score = score + (embed_->normalized().index_select(0, class_ids) * h).sum(1);
  return score;
}

DcganDiscriminator::DcganDiscriminator(int64_t channels, int64_t resolution, int64_t num_classes, int64_t width) {
  int64_t in = channels;
  int64_t out = width;
  for (int64_t side = resolution; side > 4; side /= 2) {
    SV_CHECK(side % 2 == 0, "discriminator resolution must be 4 * 2^k, got ", resolution);
    const auto name = synthview::str("conv", convs_.size());
    convs_.push_back(register_module(name, SNWeight(std::vector<int64_t>{out, in, 4, 4})));
    conv_biases_.push_back(register_parameter(name + "_bias", torch::zeros({out})));
    in = out;
    out *= 2;
  }
  SV_CHECK(!convs_.empty(), "discriminator resolution must be at least 8, got ", resolution);
  head_.build(*this, in, num_classes);
}

torch::Tensor DcganDiscriminator::forward(const torch::Tensor& images, const torch::Tensor& class_ids) {
  torch::Tensor x = images;
  for (size_t i = 0; i < convs_.size(); ++i) {
    x = torch::conv2d(x, convs_[i]->normalized(), conv_biases_[i], /*stride=*/2, /*padding=*/1);
    x = torch::leaky_relu(x, 0.1);
  }
  return head_.score(x.sum({2, 3}), class_ids);  // sum pooling, as in SNGAN
}

std::shared_ptr<DiscriminatorNet> make_discriminator(const std::string& arch, int64_t channels, int64_t resolution,
                                                     int64_t num_classes, int64_t width, uint64_t seed) {
  std::shared_ptr<DiscriminatorNet> net;
  if (arch == "dcgan") {
    net = std::make_shared<DcganDiscriminator>(channels, resolution, num_classes, width);
  } else if (arch == "resnet") {
    net = std::make_shared<ResNetDiscriminator>(channels, resolution, num_classes, width);
  } else {
    throw InputError(synthview::str("generator.arch='", arch, "' has no discriminator (expected dcgan or resnet)"));
  }
  // Parameters numbered from 1 (the numbering the dcgan discriminator always had).
  gen::seeded_init(*net, CounterRng(seed), [](const std::string&, const torch::Tensor& p) {
    if (p.dim() < 2) return gen::InitRule{0, 0};
    return gen::InitRule{1.0 / std::sqrt(static_cast<double>(p.numel() / p.size(0))), 0};
  }, /*first_number=*/1);
  return net;
}

}  // namespace synthview::gan
