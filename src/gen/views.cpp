#include "gen/views.h"

#include <cmath>

#include "augment/pipeline.h"
#include "core/blas_threads.h"
#include "core/error.h"

namespace synthview::gen {
namespace {

// Augments anchor images (view number 0) and view images [B, V, ...] (view numbers 1..V).
void augment_into(ViewBatch& batch, const AugmentSection& section, const CounterRng& rng,
                  const torch::Tensor& anchor_images, const torch::Tensor& view_images, int64_t out_size) {
  const torch::Tensor& draws = batch.draw_indices;
  batch.anchors = augment::augment(section, rng, anchor_images, draws, 0, out_size);
  std::vector<torch::Tensor> views;
  for (int64_t k = 0; k < view_images.size(1); ++k) {
    views.push_back(augment::augment(section, rng, view_images.select(1, k), draws, k + 1, out_size));
  }
  batch.views = torch::stack(views, 1);
}

void check_indices(const torch::Tensor& indices, const char* what) {
  SV_CHECK(indices.dim() == 1 && indices.scalar_type() == torch::kInt64, what, " must be a 1-D int64 tensor, got ",
           indices.sizes(), " ", indices.scalar_type());
}

}  // namespace

ViewMaker::ViewMaker(const Config& config, std::shared_ptr<Generator> generator, const CounterRng& rng)
    : views_(config.views),
      augment_(config.augment),
      render_chunk_(config.generator.render_chunk),
      generator_(std::move(generator)),
      rng_(rng) {
  SV_CHECK(generator_ != nullptr, "ViewMaker needs a generator");
  pin_blas_threads();  // the same bits whatever the process's CPU binding (core/blas_threads.h)
  if (views_.mode != "latent" && views_.mode != "independent" && views_.mode != "anchor") {
    throw InputError(synthview::str("views.mode='", views_.mode, "' (expected latent, independent or anchor)"));
  }
}

int64_t ViewMaker::out_size() const {
  return augment_.out_size > 0 ? augment_.out_size : generator_->info().resolution;
}

torch::Tensor ViewMaker::on_device(const torch::Tensor& indices) const {
  return indices.to(generator_->device());
}

torch::Tensor ViewMaker::anchor_latents(const torch::Tensor& anchors) const {
  check_indices(anchors, "anchor indices");
  return rng_.truncated_normal(RngStream::kAnchorLatent, on_device(anchors), info().latent_dim, views_.truncation)
      .to(torch::kFloat32);
}

torch::Tensor ViewMaker::anchor_classes(const torch::Tensor& anchors) const {
  check_indices(anchors, "anchor indices");
  torch::Tensor index = on_device(anchors);
  if (info().num_classes == 0) return torch::full({anchors.size(0)}, int64_t{-1}, index.options());
  return rng_.integers(RngStream::kAnchorClass, index, 1, info().num_classes).squeeze(1);
}

torch::Tensor ViewMaker::view_latents(const torch::Tensor& z, const torch::Tensor& draws) const {
  check_indices(draws, "draw indices");
  const int64_t batch = z.size(0), dim = info().latent_dim, count = views_.count;
  torch::Tensor index = on_device(draws);
  if (views_.mode == "anchor") return z.unsqueeze(1).expand({batch, count, dim}).contiguous();
  if (views_.mode == "independent") {
    return rng_.truncated_normal(RngStream::kIndependentView, index, count * dim, views_.truncation)
        .view({batch, count, dim})
        .to(torch::kFloat32);
  }
  // View k uses components [k*D, (k+1)*D) of the draw's delta stream.
  const double bound = views_.delta_truncation > 0 ? views_.delta_truncation : views_.truncation;
  torch::Tensor delta = rng_.truncated_normal(RngStream::kViewDelta, index, count * dim, bound);
  torch::Tensor moved = z.to(torch::kFloat64).unsqueeze(1) + views_.sigma * delta.view({batch, count, dim});
  if (views_.renormalize) moved = moved / std::sqrt(1.0 + views_.sigma * views_.sigma);
  return moved.to(torch::kFloat32);
}

torch::Tensor ViewMaker::render(const ChunkLayout& layout, const torch::Tensor& latents, const torch::Tensor& classes,
                               const torch::Tensor& draws, int64_t view) const {
  const int64_t size = layout.chunk_size, canvas_rows = layout.chunks * size;
  torch::Tensor rows = layout.rows.to(latents.device());
  // Unused rows keep latent 0, class 0, draw 0: rendered and dropped.
  torch::Tensor z = torch::zeros({canvas_rows, latents.size(1)}, latents.options()).index_copy_(0, rows, latents);
  torch::Tensor y = torch::zeros({canvas_rows}, classes.options()).index_copy_(0, rows.to(classes.device()), classes);
  torch::Tensor d = torch::zeros({canvas_rows}, draws.options()).index_copy_(0, rows.to(draws.device()), draws);
  std::vector<torch::Tensor> chunks;
  for (int64_t c = 0; c < layout.chunks; ++c) {
    // clone(): each call gets its own freshly allocated (aligned) input, like any other call.
    torch::Tensor images = generator_->generate(z.narrow(0, c * size, size).clone(), y.narrow(0, c * size, size).clone());
    chunks.push_back(augment::augment(augment_, rng_, images, d.narrow(0, c * size, size).clone(), view, out_size()));
  }
  return torch::cat(chunks).index_select(0, rows.to(chunks.front().device()));
}

ViewBatch ViewMaker::make(const torch::Tensor& draws, const torch::Tensor& anchors) const {
  SV_CHECK(draws.sizes() == anchors.sizes(), "draws ", draws.sizes(), " and anchors ", anchors.sizes(), " differ");
  check_indices(draws, "draw indices");
  torch::NoGradGuard no_grad;
  ViewBatch out;
  out.draw_indices = draws;
  out.class_ids = anchor_classes(anchors);
  torch::Tensor z = anchor_latents(anchors);
  torch::Tensor view_z = view_latents(z, draws);
  torch::Tensor classes = out.class_ids.clamp_min(0);
  // Anchor and views of one sample share its slot (key = anchor index), so at sigma 0 a view is the
  // anchor bit for bit, and a repeated anchor of a finite pool renders the same each time.
  const ChunkLayout layout = layout_chunks(anchors, render_chunk_);
  out.anchors = render(layout, z, classes, draws, 0);
  std::vector<torch::Tensor> views;
  for (int64_t k = 0; k < views_.count; ++k) views.push_back(render(layout, view_z.select(1, k), classes, draws, k + 1));
  out.views = torch::stack(views, 1);
  return out;
}

ViewBatch augment_views(const Config& config, const CounterRng& rng, const torch::Tensor& images,
                        const torch::Tensor& draw_indices, int64_t view_count, const torch::Tensor& class_ids) {
  check_indices(draw_indices, "draw indices");
  SV_CHECK(images.dim() == 4 && images.size(0) == draw_indices.size(0), "images ", images.sizes(),
           " need one draw index each, got ", draw_indices.sizes());
  SV_CHECK(view_count >= 1, "view_count must be >= 1, got ", view_count);
  torch::NoGradGuard no_grad;
  ViewBatch out;
  out.draw_indices = draw_indices;
  out.class_ids = class_ids.defined() ? class_ids : torch::full({images.size(0)}, int64_t{-1}, torch::kInt64);
  torch::Tensor view_images = images.unsqueeze(1).expand({images.size(0), view_count, images.size(1), images.size(2),
                                                          images.size(3)});
  int64_t out_size = config.augment.out_size > 0 ? config.augment.out_size : images.size(2);
  augment_into(out, config.augment, rng, images, view_images, out_size);
  return out;
}

}  // namespace synthview::gen
