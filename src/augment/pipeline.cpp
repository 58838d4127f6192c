#include "augment/pipeline.h"

#include <cmath>

#include "augment/color.h"
#include "augment/geometry.h"
#include "core/error.h"

namespace synthview::augment {
namespace {

enum Param : int64_t { kScale, kRatio, kTop, kLeft, kFlip, kJitter, kBrightness, kContrast, kSaturation, kHue, kGray };

torch::Tensor factor_range(const torch::Tensor& u, double strength) {
  double low = std::max(0.0, 1.0 - strength);
  return low + u * ((1.0 + strength) - low);
}

}  // namespace

AugmentParams draw_params(const AugmentSection& section, const CounterRng& rng, const torch::Tensor& draws,
                          int64_t view, int64_t height, int64_t width) {
  SV_CHECK(view >= 0, "view number must be >= 0, got ", view);
  const int64_t batch = draws.size(0);
  auto f64 = draws.options().dtype(torch::kFloat64);
  AugmentParams p;
  if (!section.enabled) {
    p.boxes = torch::tensor({0.0, 0.0, double(height), double(width)}, f64).expand({batch, 4}).contiguous();
    p.flip = p.jitter = p.grayscale = torch::zeros({batch}, draws.options().dtype(torch::kBool));
    p.brightness = p.contrast = p.saturation = torch::ones({batch}, f64);
    p.hue = torch::zeros({batch}, f64);
    return p;
  }
  torch::Tensor u = rng.uniform(RngStream::kAugment, draws, (view + 1) * kParamsPerView)
                        .narrow(1, view * kParamsPerView, kParamsPerView);
  auto col = [&](Param k) { return u.select(1, k); };

  const double area = double(height) * double(width);
  torch::Tensor scale = section.crop_scale_min + col(kScale) * (section.crop_scale_max - section.crop_scale_min);
  // Feasible log ratios r = w / h for this area: h = sqrt(s A / r) <= H needs r >= s W / H, and
  // w = sqrt(s A r) <= W needs r <= W / (s H).
  torch::Tensor log_lo = torch::clamp_min(torch::log(scale * width / height), std::log(3.0 / 4.0));
  torch::Tensor log_hi = torch::clamp_max(torch::log(width / (scale * height)), std::log(4.0 / 3.0));
  log_hi = torch::maximum(log_hi, log_lo);
  torch::Tensor ratio = torch::exp(log_lo + col(kRatio) * (log_hi - log_lo));
  torch::Tensor box_w = torch::sqrt(scale * area * ratio).clamp(1.0, double(width));
  torch::Tensor box_h = torch::sqrt(scale * area / ratio).clamp(1.0, double(height));
  torch::Tensor top = col(kTop) * (height - box_h);
  torch::Tensor left = col(kLeft) * (width - box_w);
  p.boxes = torch::stack({top, left, box_h, box_w}, 1);

  p.flip = col(kFlip) < section.flip_prob;
  p.jitter = col(kJitter) < section.jitter_prob;
  p.brightness = factor_range(col(kBrightness), section.brightness);
  p.contrast = factor_range(col(kContrast), section.contrast);
  p.saturation = factor_range(col(kSaturation), section.saturation);
  p.hue = (2 * col(kHue) - 1) * section.hue;
  p.grayscale = col(kGray) < section.grayscale_prob;
  return p;
}

torch::Tensor apply(const torch::Tensor& images, const AugmentParams& params, int64_t out_size) {
  SV_CHECK(images.dim() == 4, "images must be [B,C,H,W], got ", images.sizes());
  torch::Tensor out = resized_crop(images, params.boxes, out_size);
  out = hflip(out, params.flip);
  // Colour formulas are defined on [0, 1].
  out = (out + 1) * 0.5;
  out = color_jitter(out, params.jitter, params.brightness, params.contrast, params.saturation, params.hue);
  out = random_grayscale(out, params.grayscale);
  return out * 2 - 1;
}

torch::Tensor augment(const AugmentSection& section, const CounterRng& rng, const torch::Tensor& images,
                      const torch::Tensor& draws, int64_t view, int64_t out_size) {
  SV_CHECK(draws.dim() == 1 && draws.size(0) == images.size(0), "need one draw index per image, got ",
           draws.sizes(), " for ", images.sizes());
  const int64_t height = images.size(2), width = images.size(3);
  if (out_size == 0) out_size = height;
  if (!section.enabled && out_size == height && out_size == width) return images;
  torch::Tensor device_draws = draws.to(images.device());
  return apply(images, draw_params(section, rng, device_draws, view, height, width), out_size);
}

}  // namespace synthview::augment
