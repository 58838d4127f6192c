// The pixel augmentation pipeline of SimCLR (DESIGN.md): random resized crop -> horizontal flip
// -> colour jitter with probability -> grayscale with probability, on images in [-1, 1].
// Every random parameter comes from the counter RNG (stream kAugment) keyed by the draw index,
// with the view number choosing the components, so an image's augmentation depends only on
// (seed, draw index, view number): never on batch composition, rank or device.
#pragma once

#include <torch/torch.h>

#include "core/config.h"
#include "core/rng.h"

namespace synthview::augment {

// One value per image.
struct AugmentParams {
  torch::Tensor boxes;       // [B,4] float64 crop boxes: top, left, height, width in input pixels
  torch::Tensor flip;        // [B] bool
  torch::Tensor jitter;      // [B] bool: colour jitter applied
  torch::Tensor brightness;  // [B] float64 factors (1 = unchanged)
  torch::Tensor contrast;
  torch::Tensor saturation;
  torch::Tensor hue;         // [B] float64 shift in turns (0 = unchanged)
  torch::Tensor grayscale;   // [B] bool
};

// Uniforms used per (draw, view): the view's parameters are components [view*K, (view+1)*K).
constexpr int64_t kParamsPerView = 11;

// Draws the parameters for images of height x width. Crop: area fraction s ~ U[crop_scale_min,
// crop_scale_max]; log aspect ratio uniform over the part of [log 3/4, log 4/3] where a box of
// that area fits inside the image (torchvision rejects and retries instead; this draws from the
// same feasible set without a loop, and crop_scale_min = 1 gives the full image, i.e. no crop);
// position uniform. Factors: brightness/contrast/saturation ~ U[max(0, 1-x), 1+x], hue ~ U[-x, x].
// With augment.enabled = false every image gets the identity (full box, no flip, no jitter).
AugmentParams draw_params(const AugmentSection& section, const CounterRng& rng, const torch::Tensor& draws,
                          int64_t view, int64_t height, int64_t width);

// Applies params to images [B,C,H,W] in [-1, 1] (C = 1 or 3) and resizes to out_size x out_size.
torch::Tensor apply(const torch::Tensor& images, const AugmentParams& params, int64_t out_size);

// draw_params + apply. out_size 0 keeps the input height. Disabled augmentations at the input
// size return the images unchanged (bit for bit).
torch::Tensor augment(const AugmentSection& section, const CounterRng& rng, const torch::Tensor& images,
                      const torch::Tensor& draws, int64_t view, int64_t out_size);

}  // namespace synthview::augment
