#include "gan/diff_augment.h"

#include "core/error.h"

namespace synthview::gan {
namespace {

constexpr double kBackground = -1.0;
const auto kStream = static_cast<RngStream>(static_cast<int64_t>(RngStream::kUser) + 23);

}  // namespace

torch::Tensor translate(const torch::Tensor& images, const torch::Tensor& shifts) {
  const int64_t batch = images.size(0), channels = images.size(1), height = images.size(2), width = images.size(3);
  // Output pixel (i, j) reads input (i - dy, j - dx); a source outside the image reads the background.
  torch::Tensor rows = torch::arange(height, torch::kInt64).unsqueeze(0) - shifts.select(1, 1).unsqueeze(1);  // [B, H]
  torch::Tensor cols = torch::arange(width, torch::kInt64).unsqueeze(0) - shifts.select(1, 0).unsqueeze(1);   // [B, W]
  torch::Tensor row_ok = (rows >= 0) & (rows < height), col_ok = (cols >= 0) & (cols < width);
  rows = rows.clamp(0, height - 1).to(images.device());
  cols = cols.clamp(0, width - 1).to(images.device());
  torch::Tensor out = images.gather(2, rows.view({batch, 1, height, 1}).expand({batch, channels, height, width}));
  out = out.gather(3, cols.view({batch, 1, 1, width}).expand({batch, channels, height, width}));
  torch::Tensor inside = (row_ok.unsqueeze(2) & col_ok.unsqueeze(1)).unsqueeze(1).to(images.device());  // [B,1,H,W]
  return torch::where(inside, out, torch::full_like(out, kBackground));
}

torch::Tensor cutout(const torch::Tensor& images, const torch::Tensor& centres, int64_t size) {
  const int64_t height = images.size(2), width = images.size(3);
  torch::Tensor x0 = (centres.select(1, 0) - size / 2).view({-1, 1, 1}), y0 = (centres.select(1, 1) - size / 2).view({-1, 1, 1});
  torch::Tensor xs = torch::arange(width, torch::kInt64).view({1, 1, width});
  torch::Tensor ys = torch::arange(height, torch::kInt64).view({1, height, 1});
  torch::Tensor hole = (xs >= x0) & (xs < x0 + size) & (ys >= y0) & (ys < y0 + size);  // [B, H, W]
  return torch::where(hole.unsqueeze(1).to(images.device()), torch::full_like(images, kBackground), images);
}

torch::Tensor diff_augment(const torch::Tensor& images, const std::string& policy, const CounterRng& rng,
                           const torch::Tensor& draws) {
  if (policy == "none") return images;
  const bool shift = policy == "translation" || policy == "translation,cutout";
  const bool hole = policy == "cutout" || policy == "translation,cutout";
  if (!shift && !hole) {
    throw InputError(synthview::str("gan.diffaugment='", policy, "' (expected none, translation, cutout or translation,cutout)"));
  }
  SV_CHECK(images.dim() == 4 && draws.dim() == 1 && draws.size(0) == images.size(0), "diff_augment: images ",
           images.sizes(), " need one draw index each, got ", draws.sizes());
  const int64_t side = images.size(2);
  // Components 0, 1: translation; 2, 3: cutout centre (drawn either way, so each part's values never
  // depend on the other being on).
  torch::Tensor u = rng.uniform(kStream, draws.cpu(), 4);
  torch::Tensor out = images;
  if (shift) {
    const int64_t max_shift = (side + 4) / 8;  // round(side / 8)
    out = translate(out, (u.slice(1, 0, 2) * (2 * max_shift + 1)).floor().to(torch::kInt64) - max_shift);
  }
  if (hole) out = cutout(out, (u.slice(1, 2, 4) * side).floor().to(torch::kInt64), side / 2);
  return out;
}

}  // namespace synthview::gan
