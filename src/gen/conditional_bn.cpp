#include "gen/conditional_bn.h"

#include <algorithm>

namespace synthview::gen {

ConditionalBatchNormImpl::ConditionalBatchNormImpl(int64_t features, int64_t classes) {
  norm_ = register_module("norm", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(features).affine(false)));
  gain_ = register_module("gain", torch::nn::Embedding(std::max<int64_t>(1, classes), features));
  shift_ = register_module("shift", torch::nn::Embedding(std::max<int64_t>(1, classes), features));
}

torch::Tensor ConditionalBatchNormImpl::forward(const torch::Tensor& x, const torch::Tensor& class_ids) {
  const int64_t rows = gain_->weight.size(0);
  torch::Tensor ids = rows == 1 ? torch::zeros_like(class_ids) : class_ids;
  torch::Tensor gain = gain_->forward(ids).unsqueeze(2).unsqueeze(3);
  torch::Tensor shift = shift_->forward(ids).unsqueeze(2).unsqueeze(3);
  return norm_->forward(x) * gain + shift;
}

}  // namespace synthview::gen
