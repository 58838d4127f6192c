// Hinge GAN losses (Lim & Ye 2017; Miyato et al. 2018), means over the local batch.
#pragma once

#include <torch/torch.h>

namespace synthview::gan {

// mean(relu(1 - D(real))) + mean(relu(1 + D(fake)))
torch::Tensor hinge_d_loss(const torch::Tensor& real_scores, const torch::Tensor& fake_scores);
// -mean(D(fake))
torch::Tensor hinge_g_loss(const torch::Tensor& fake_scores);

}  // namespace synthview::gan
