// Spectral normalisation (Miyato et al. 2018) as a weight reparametrisation: W_sn = W / sigma(W), sigma the
// largest singular value of W viewed as [out, rest], estimated by one power iteration per training forward
// with persistent vectors u, v. LibTorch C++ has no torch.nn.utils.spectral_norm, hence this.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace synthview::gan {

// W / sigma with sigma = u^T W v (gradient flows through W only). When `update` is set, u and v first take
// `iterations` power-iteration steps in place (no gradient), as PyTorch's spectral_norm does in train mode.
torch::Tensor spectral_normalize(const torch::Tensor& weight, torch::Tensor& u, torch::Tensor& v,
                                 int64_t iterations, bool update);

// A weight tensor held as (weight, u, v); normalized() gives W / sigma(W).
class SNWeightImpl : public torch::nn::Module {
 public:
  explicit SNWeightImpl(std::vector<int64_t> shape);
  // One power iteration in train mode, none in eval mode (stored u, v).
  torch::Tensor normalized();
  torch::Tensor weight, u, v;
};
TORCH_MODULE(SNWeight);

// A spectrally normalised convolution with bias: parameters weight [out, in, k, k], bias [out]; buffers u, v.
class SNConv2dImpl : public torch::nn::Module {
 public:
  SNConv2dImpl(int64_t in, int64_t out, int64_t kernel);  // stride 1, padding kernel / 2
  torch::Tensor forward(const torch::Tensor& x);

 private:
  SNWeight sn_{nullptr};
  torch::Tensor bias_;
};
TORCH_MODULE(SNConv2d);

}  // namespace synthview::gan
