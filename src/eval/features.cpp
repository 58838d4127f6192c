#include "eval/features.h"

#include "core/error.h"

namespace synthview::eval {

torch::Tensor compute_features(const Encode& encode, const torch::Tensor& images_nchw, int64_t batch_size) {
  SV_CHECK(batch_size > 0, "feature batch size must be positive, got ", batch_size);
  SV_CHECK(images_nchw.dim() >= 1 && images_nchw.size(0) > 0, "no images to encode: ", images_nchw.sizes());
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < images_nchw.size(0); start += batch_size) {
    const int64_t length = std::min(batch_size, images_nchw.size(0) - start);
    torch::Tensor out = encode(images_nchw.narrow(0, start, length));
    SV_CHECK(out.dim() >= 1 && out.size(0) == length, "encoder returned ", out.sizes(), " for a batch of ", length);
    parts.push_back(out.reshape({length, -1}).to(torch::kFloat32));
  }
  return torch::cat(parts);
}

}  // namespace synthview::eval
