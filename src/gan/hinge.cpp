#include "gan/hinge.h"

namespace synthview::gan {

torch::Tensor hinge_d_loss(const torch::Tensor& real_scores, const torch::Tensor& fake_scores) {
  return torch::relu(1.0 - real_scores).mean() + torch::relu(1.0 + fake_scores).mean();
}

torch::Tensor hinge_g_loss(const torch::Tensor& fake_scores) { return -fake_scores.mean(); }

}  // namespace synthview::gan
