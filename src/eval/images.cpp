#include "eval/images.h"

#include "core/error.h"

namespace synthview::eval {

torch::Tensor to_encoder_input(const torch::Tensor& uint8_images, int64_t channels, int64_t size) {
  if (uint8_images.scalar_type() != torch::kUInt8 || (uint8_images.dim() != 3 && uint8_images.dim() != 4)) {
    throw InputError(synthview::str("real images must be uint8 [N,H,W] or [N,C,H,W], got ", uint8_images.scalar_type(), " ",
                         uint8_images.sizes()));
  }
  if (channels < 1 || size < 1) throw InputError(synthview::str("bad encoder input shape: ", channels, " channels, size ", size));
  torch::Tensor images = uint8_images.dim() == 3 ? uint8_images.unsqueeze(1) : uint8_images;
  const int64_t have = images.size(1);
  if (have != channels && have != 1) {
    throw InputError(synthview::str("real images have ", have, " channels; the encoder takes ", channels,
                         " (only 1 channel can be replicated)"));
  }
  torch::Tensor scaled = images.to(torch::kFloat32).div(127.5).sub(1.0);
  if (scaled.size(2) != size || scaled.size(3) != size) {
    namespace F = torch::nn::functional;
    scaled = F::interpolate(scaled, F::InterpolateFuncOptions()
                                        .size(std::vector<int64_t>{size, size})
                                        .mode(torch::kBilinear)
                                        .align_corners(false));
  }
  return have == channels ? scaled.contiguous() : scaled.expand({-1, channels, -1, -1}).contiguous();
}

}  // namespace synthview::eval
