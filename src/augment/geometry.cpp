#include "augment/geometry.h"

#include "core/error.h"

namespace synthview::augment {

torch::Tensor resized_crop(const torch::Tensor& images, const torch::Tensor& boxes, int64_t out_size) {
  SV_CHECK(images.dim() == 4, "images must be [B,C,H,W], got ", images.sizes());
  SV_CHECK(boxes.dim() == 2 && boxes.size(0) == images.size(0) && boxes.size(1) == 4,
           "boxes must be [B,4], got ", boxes.sizes());
  SV_CHECK(out_size >= 1, "out_size must be >= 1, got ", out_size);
  const int64_t batch = images.size(0);
  const double height = static_cast<double>(images.size(2));
  const double width = static_cast<double>(images.size(3));
  torch::Tensor b = boxes.to(images.options());
  torch::Tensor top = b.select(1, 0), left = b.select(1, 1), box_h = b.select(1, 2), box_w = b.select(1, 3);
  // affine_grid maps output coordinates u in [-1, 1] to input coordinates in [-1, 1]:
  // x_in = (w / W) u + ((2 left + w) / W - 1), the same for y.
  torch::Tensor zero = torch::zeros_like(top);
  torch::Tensor row_x = torch::stack({box_w / width, zero, (2 * left + box_w) / width - 1}, 1);
  torch::Tensor row_y = torch::stack({zero, box_h / height, (2 * top + box_h) / height - 1}, 1);
  torch::Tensor theta = torch::stack({row_x, row_y}, 1);  // [B,2,3]
  torch::Tensor grid = torch::nn::functional::affine_grid(theta, {batch, images.size(1), out_size, out_size},
                                                          /*align_corners=*/false);
  namespace F = torch::nn::functional;
  return F::grid_sample(images, grid,
                        F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false));
}

torch::Tensor hflip(const torch::Tensor& images, const torch::Tensor& flip) {
  SV_CHECK(flip.dim() == 1 && flip.size(0) == images.size(0), "flip must be [B], got ", flip.sizes());
  torch::Tensor mask = flip.to(images.device(), torch::kBool).view({-1, 1, 1, 1});
  return torch::where(mask, images.flip({3}), images);
}

}  // namespace synthview::augment
