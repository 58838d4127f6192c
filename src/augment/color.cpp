#include "augment/color.h"

#include "core/error.h"

namespace synthview::augment {
namespace {

torch::Tensor per_image(const torch::Tensor& factor, const torch::Tensor& images) {
  SV_CHECK(factor.dim() == 1 && factor.size(0) == images.size(0), "need one factor per image, got ",
           factor.sizes(), " for images ", images.sizes());
  return factor.to(images.options()).view({-1, 1, 1, 1});
}

bool is_rgb(const torch::Tensor& images) {
  SV_CHECK(images.dim() == 4 && (images.size(1) == 1 || images.size(1) == 3),
           "colour ops need [B,1|3,H,W] images, got ", images.sizes());
  return images.size(1) == 3;
}

}  // namespace

torch::Tensor luma(const torch::Tensor& images) {
  if (!is_rgb(images)) return images;
  return 0.2989 * images.select(1, 0).unsqueeze(1) + 0.587 * images.select(1, 1).unsqueeze(1) +
         0.114 * images.select(1, 2).unsqueeze(1);
}

torch::Tensor blend(const torch::Tensor& images, const torch::Tensor& other, const torch::Tensor& factor) {
  torch::Tensor f = per_image(factor, images);
  return (f * images + (1 - f) * other).clamp(0, 1);
}

torch::Tensor adjust_brightness(const torch::Tensor& images, const torch::Tensor& factor) {
  return blend(images, torch::zeros_like(images), factor);
}

torch::Tensor adjust_contrast(const torch::Tensor& images, const torch::Tensor& factor) {
  return blend(images, luma(images).mean({1, 2, 3}, /*keepdim=*/true), factor);
}

torch::Tensor adjust_saturation(const torch::Tensor& images, const torch::Tensor& factor) {
  if (!is_rgb(images)) return images;
  return blend(images, luma(images), factor);
}

torch::Tensor rgb_to_hsv(const torch::Tensor& images) {
  torch::Tensor r = images.select(1, 0), g = images.select(1, 1), b = images.select(1, 2);
  torch::Tensor maxc = std::get<0>(images.max(1));
  torch::Tensor minc = std::get<0>(images.min(1));
  torch::Tensor equal = maxc == minc;
  torch::Tensor chroma = maxc - minc;
  torch::Tensor ones = torch::ones_like(maxc);
  torch::Tensor s = chroma / torch::where(equal, ones, maxc);
  torch::Tensor divisor = torch::where(equal, ones, chroma);
  torch::Tensor rc = (maxc - r) / divisor, gc = (maxc - g) / divisor, bc = (maxc - b) / divisor;
  torch::Tensor is_r = maxc == r;
  torch::Tensor is_g = (maxc == g) & ~is_r;
  torch::Tensor is_b = ~(maxc == g) & ~is_r;
  torch::Tensor h = is_r * (bc - gc) + is_g * (2.0 + rc - bc) + is_b * (4.0 + gc - rc);
  h = torch::fmod(h / 6.0 + 1.0, 1.0);
  return torch::stack({h, s, maxc}, 1);
}

torch::Tensor hsv_to_rgb(const torch::Tensor& hsv) {
  torch::Tensor h = hsv.select(1, 0), s = hsv.select(1, 1), v = hsv.select(1, 2);
  torch::Tensor sector = torch::floor(h * 6.0);
  torch::Tensor f = h * 6.0 - sector;
  torch::Tensor p = (v * (1.0 - s)).clamp(0, 1);
  torch::Tensor q = (v * (1.0 - s * f)).clamp(0, 1);
  torch::Tensor t = (v * (1.0 - s * (1.0 - f))).clamp(0, 1);
  torch::Tensor index = torch::remainder(sector.to(torch::kInt64), 6);  // [B,H,W]
  // One-hot over the six hue sectors selects (r, g, b) from the usual table.
  torch::Tensor onehot = (index.unsqueeze(1) == torch::arange(6, index.options()).view({1, 6, 1, 1})).to(hsv.dtype());
  torch::Tensor red = torch::stack({v, q, p, p, t, v}, 1);
  torch::Tensor green = torch::stack({t, v, v, q, p, p}, 1);
  torch::Tensor blue = torch::stack({p, p, t, v, v, q}, 1);
  return torch::stack({(onehot * red).sum(1), (onehot * green).sum(1), (onehot * blue).sum(1)}, 1);
}

torch::Tensor adjust_hue(const torch::Tensor& images, const torch::Tensor& shift) {
  if (!is_rgb(images)) return images;
  torch::Tensor hsv = rgb_to_hsv(images);
  torch::Tensor h = torch::remainder(hsv.select(1, 0) + per_image(shift, images).squeeze(1), 1.0);
  return hsv_to_rgb(torch::stack({h, hsv.select(1, 1), hsv.select(1, 2)}, 1));
}

torch::Tensor random_grayscale(const torch::Tensor& images, const torch::Tensor& gray) {
  if (!is_rgb(images)) return images;
  torch::Tensor mask = gray.to(images.device(), torch::kBool).view({-1, 1, 1, 1});
  return torch::where(mask, luma(images).expand_as(images), images);
}

torch::Tensor color_jitter(const torch::Tensor& images, const torch::Tensor& apply, const torch::Tensor& brightness,
                           const torch::Tensor& contrast, const torch::Tensor& saturation, const torch::Tensor& hue) {
  torch::Tensor out = adjust_brightness(images, brightness);
  out = adjust_contrast(out, contrast);
  out = adjust_saturation(out, saturation);
  out = adjust_hue(out, hue);
  return torch::where(apply.to(images.device(), torch::kBool).view({-1, 1, 1, 1}), out, images);
}

}  // namespace synthview::augment
