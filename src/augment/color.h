// Colour augmentations with torchvision's formulas (torchvision.transforms.functional_tensor),
// batched with one factor per image. Images are float [B,C,H,W] in [0, 1]; C is 1 or 3.
// One-channel images: brightness and contrast apply; saturation, hue and grayscale are the
// identity (there is no colour to change), as in torchvision.
#pragma once

#include <torch/torch.h>

namespace synthview::augment {

// ITU-R 601-2 luma, 0.2989 R + 0.587 G + 0.114 B: [B,1,H,W] (a 1-channel image is returned as is).
torch::Tensor luma(const torch::Tensor& images);

// factor * image + (1 - factor) * other, clamped to [0, 1]; factor is [B].
torch::Tensor blend(const torch::Tensor& images, const torch::Tensor& other, const torch::Tensor& factor);

torch::Tensor adjust_brightness(const torch::Tensor& images, const torch::Tensor& factor);  // blend with black
torch::Tensor adjust_contrast(const torch::Tensor& images, const torch::Tensor& factor);    // with mean luma
torch::Tensor adjust_saturation(const torch::Tensor& images, const torch::Tensor& factor);  // with luma image
// Rotates hue by shift[b] in [-0.5, 0.5] turns (RGB -> HSV, h = (h + shift) mod 1, HSV -> RGB).
torch::Tensor adjust_hue(const torch::Tensor& images, const torch::Tensor& shift);

torch::Tensor rgb_to_hsv(const torch::Tensor& images);  // [B,3,H,W] -> [B,3,H,W] (h in [0,1))
torch::Tensor hsv_to_rgb(const torch::Tensor& hsv);

// Replaces images[b] by its luma (repeated over the channels) where gray[b] (bool [B]) is true.
torch::Tensor random_grayscale(const torch::Tensor& images, const torch::Tensor& gray);

// Colour jitter in the fixed order brightness, contrast, saturation, hue (torchvision draws a
// random order; a fixed one keeps the op a pure function of its factors). Images where
// apply[b] is false come back unchanged.
torch::Tensor color_jitter(const torch::Tensor& images, const torch::Tensor& apply, const torch::Tensor& brightness,
                           const torch::Tensor& contrast, const torch::Tensor& saturation, const torch::Tensor& hue);

}  // namespace synthview::augment
