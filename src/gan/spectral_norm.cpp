#include "gan/spectral_norm.h"

#include "core/error.h"

namespace synthview::gan {
namespace {

torch::Tensor unit(const torch::Tensor& x) { return x / (x.norm() + 1e-12); }

}  // namespace

torch::Tensor spectral_normalize(const torch::Tensor& weight, torch::Tensor& u, torch::Tensor& v,
                                 int64_t iterations, bool update) {
  torch::Tensor matrix = weight.reshape({weight.size(0), -1});
  if (update) {
    torch::NoGradGuard no_grad;
    for (int64_t i = 0; i < iterations; ++i) {
      v.copy_(unit(torch::mv(matrix.t(), u)));
      u.copy_(unit(torch::mv(matrix, v)));
    }
  }
  torch::Tensor sigma = torch::dot(u, torch::mv(matrix, v));
  return weight / sigma;
}

SNWeightImpl::SNWeightImpl(std::vector<int64_t> shape) {
  SV_CHECK(shape.size() >= 2, "spectral norm needs a matrix or conv weight");
  int64_t rest = 1;
  for (size_t i = 1; i < shape.size(); ++i) rest *= shape[i];
  // Values are set by the owner's seeded init (Discriminator); u, v start as unit vectors.
  weight = register_parameter("weight", torch::zeros(shape));
  u = register_buffer("u", torch::full({shape[0]}, 1.0 / std::sqrt(static_cast<double>(shape[0]))));
  v = register_buffer("v", torch::full({rest}, 1.0 / std::sqrt(static_cast<double>(rest))));
}

torch::Tensor SNWeightImpl::normalized() { return spectral_normalize(weight, u, v, 1, is_training()); }

SNConv2dImpl::SNConv2dImpl(int64_t in, int64_t out, int64_t kernel) {
  sn_ = register_module("sn", SNWeight(std::vector<int64_t>{out, in, kernel, kernel}));
  bias_ = register_parameter("bias", torch::zeros({out}));
}

torch::Tensor SNConv2dImpl::forward(const torch::Tensor& x) {
  const int64_t kernel = sn_->weight.size(2);
  return torch::conv2d(x, sn_->normalized(), bias_, /*stride=*/1, /*padding=*/kernel / 2);
}

}  // namespace synthview::gan
