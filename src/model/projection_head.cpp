#include "model/projection_head.h"

#include "model/resnet.h"

namespace synthview::model {

ProjectionHeadImpl::ProjectionHeadImpl(int64_t in_features, int64_t hidden, int64_t out_features,
                                       const NormFactory& norm) {
  // A bias before a norm layer is redundant (the norm's shift absorbs it).
  fc1_ = register_module("fc1", torch::nn::Linear(torch::nn::LinearOptions(in_features, hidden).bias(!norm)));
  if (norm) {
    bn1_ = make_norm(norm, hidden);
    register_module("bn1", bn1_.ptr());
  }
  fc2_ = register_module("fc2", torch::nn::Linear(hidden, out_features));
}

torch::Tensor ProjectionHeadImpl::forward(torch::Tensor x) {
  x = fc1_->forward(x);
  if (!bn1_.is_empty()) x = bn1_.forward(x.view({x.size(0), x.size(1), 1, 1})).view({x.size(0), x.size(1)});
  return fc2_->forward(torch::relu(x));
}

}  // namespace synthview::model
