// Multiview batches (DESIGN.md, method facts): anchor latent z ~ truncated normal keyed by the
// anchor index; class ~ uniform keyed by the anchor index; view k latent z + sigma * delta_k with
// delta truncated too (views.delta_truncation, else views.truncation) and keyed by the draw index
// (views.mode=latent; divided by sqrt(1 + sigma^2) with views.renormalize), a fresh same-class latent
// (independent) or z itself (anchor: pixel views only). Anchor and views are then augmented
// (SimCLR style, both sides) with parameters keyed by (draw index, view number): view number 0 is
// the anchor, k + 1 the k-th view. So every image is a pure function of (seed, draw, anchor index).
// The bits too: the generator and the augmentations run on canonical chunks of
// generator.render_chunk rows keyed by the anchor index (chunk_layout.h), never on the caller's batch.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "core/config.h"
#include "core/rng.h"
#include "gen/chunk_layout.h"
#include "gen/generator.h"

namespace synthview::gen {

struct ViewBatch {
  torch::Tensor anchors;       // [B, C, S, S] float32 in [-1, 1], S = augment.out_size (0: generator resolution)
  torch::Tensor views;         // [B, views.count, C, S, S]
  torch::Tensor class_ids;     // [B] int64; -1 when the source has no classes
  torch::Tensor draw_indices;  // [B] int64
};

class ViewMaker {
 public:
  ViewMaker(const Config& config, std::shared_ptr<Generator> generator, const CounterRng& rng);
  ViewMaker(const Config& config, std::shared_ptr<Generator> generator)
      : ViewMaker(config, std::move(generator), CounterRng(static_cast<uint64_t>(config.seed))) {}

  // draws and anchors: [B] int64 (SampleSchedule::draw_indices / anchor_indices), any device.
  ViewBatch make(const torch::Tensor& draws, const torch::Tensor& anchors) const;

  // The latent parts, exposed for tests and `synthview sample`; float32 on the generator's device.
  torch::Tensor anchor_latents(const torch::Tensor& anchors) const;                        // [B, D]
  torch::Tensor anchor_classes(const torch::Tensor& anchors) const;                        // [B]
  torch::Tensor view_latents(const torch::Tensor& z, const torch::Tensor& draws) const;   // [B, V, D]

  const GeneratorInfo& info() const { return generator_->info(); }
  int64_t out_size() const;

 private:
  torch::Tensor on_device(const torch::Tensor& indices) const;
  // Renders and augments view number `view` (0 = anchor) of every input in the chunks of `layout`;
  // latents [B, D], classes [B] (>= 0) and draws [B] are in input order, so is the result.
  torch::Tensor render(const ChunkLayout& layout, const torch::Tensor& latents, const torch::Tensor& classes,
                       const torch::Tensor& draws, int64_t view) const;

  ViewsSection views_;
  AugmentSection augment_;
  int64_t render_chunk_;
  std::shared_ptr<Generator> generator_;
  CounterRng rng_;
};

// The same augmentation path for real images (data.source=real): anchors = augmented view 0 of
// images [B, C, H, W] in [-1, 1], views[:, k] = augmented view k + 1, keyed by draw_indices.
ViewBatch augment_views(const Config& config, const CounterRng& rng, const torch::Tensor& images,
                        const torch::Tensor& draw_indices, int64_t view_count,
                        const torch::Tensor& class_ids = torch::Tensor());

}  // namespace synthview::gen
