#include "loss/contrastive_loss.h"

#include <limits>

#include "core/error.h"

namespace synthview::loss {

namespace {

void check_embeddings(const torch::Tensor& local, const torch::Tensor& global, int64_t local_offset) {
  SV_CHECK(local.dim() == 3 && global.dim() == 3, "embeddings must be [batch, views, dim], got ", local.sizes(),
           " and ", global.sizes());
  SV_CHECK(local.size(1) >= 2, "contrastive losses need at least 2 views per anchor, got ", local.size(1));
  SV_CHECK(local.size(1) == global.size(1) && local.size(2) == global.size(2), "local ", local.sizes(),
           " and global ", global.sizes(), " embeddings disagree");
  SV_CHECK(local_offset >= 0 && local_offset + local.size(0) <= global.size(0), "local anchors [", local_offset,
           ", ", local_offset + local.size(0), ") outside the global batch of ", global.size(0));
}

void check_temperature(double temperature) {
  if (!(temperature > 0)) throw InputError(str("loss.temperature must be > 0, got ", temperature));
}

// Row r = anchor * V + view of the flattened embeddings; a row's group id decides its positives.
struct Similarities {
  torch::Tensor logits;     // [b*V, W*b*V] cosine / T, self-similarity -inf
  torch::Tensor self_mask;  // [b*V, W*b*V] true where column == row's own embedding
};

Similarities similarities(const torch::Tensor& local, const torch::Tensor& global, int64_t local_offset,
                          double temperature) {
  const int64_t views = local.size(1);
  const int64_t rows = local.size(0) * views;
  torch::Tensor anchors = local.reshape({rows, local.size(2)});
  torch::Tensor contrast = global.reshape({global.size(0) * views, global.size(2)});
  torch::Tensor self_columns = torch::arange(rows, torch::dtype(torch::kLong).device(local.device())) +
                               local_offset * views;
  torch::Tensor self_mask =
      torch::zeros({rows, contrast.size(0)}, torch::dtype(torch::kBool).device(local.device()))
          .scatter_(1, self_columns.unsqueeze(1), true);
  torch::Tensor logits = torch::matmul(anchors, contrast.t()) / temperature;
  return {logits.masked_fill(self_mask, -std::numeric_limits<double>::infinity()), self_mask};
}

// Mean over local rows of -mean_{p in P(i)} log softmax_{a != i}(logits_i)[p]; P(i) = same group id.
torch::Tensor multi_positive_loss(const torch::Tensor& local, const torch::Tensor& global, int64_t local_offset,
                                  const torch::Tensor& local_groups, const torch::Tensor& global_groups,
                                  double temperature) {
  const int64_t views = local.size(1);
  Similarities sim = similarities(local, global, local_offset, temperature);
  torch::Tensor row_groups = local_groups.repeat_interleave(views);
  torch::Tensor column_groups = global_groups.repeat_interleave(views);
  torch::Tensor positive = row_groups.unsqueeze(1).eq(column_groups.unsqueeze(0)).logical_and_(
      sim.self_mask.logical_not());
  torch::Tensor log_prob = sim.logits - sim.logits.logsumexp(1, /*keepdim=*/true);
  // where(), not a product with the mask: the masked self entry is -inf and 0 * -inf is NaN.
  torch::Tensor positive_log_prob = torch::where(positive, log_prob, torch::zeros_like(log_prob)).sum(1);
  return (-positive_log_prob / positive.sum(1).to(log_prob.scalar_type())).mean();
}

torch::Tensor anchor_ids(int64_t first, int64_t count, const torch::Device& device) {
  return torch::arange(first, first + count, torch::dtype(torch::kLong).device(device));
}

}  // namespace

torch::Tensor nt_xent(const torch::Tensor& local_embeddings, const torch::Tensor& global_embeddings,
                      int64_t local_offset, double temperature) {
  check_temperature(temperature);
  check_embeddings(local_embeddings, global_embeddings, local_offset);
  const torch::Device device = local_embeddings.device();
  return multi_positive_loss(local_embeddings, global_embeddings, local_offset,
                             anchor_ids(local_offset, local_embeddings.size(0), device),
                             anchor_ids(0, global_embeddings.size(0), device), temperature);
}

torch::Tensor supcon(const torch::Tensor& local_embeddings, const torch::Tensor& global_embeddings,
                     int64_t local_offset, const torch::Tensor& local_labels, const torch::Tensor& global_labels,
                     double temperature) {
  check_temperature(temperature);
  check_embeddings(local_embeddings, global_embeddings, local_offset);
  SV_CHECK(local_labels.dim() == 1 && local_labels.size(0) == local_embeddings.size(0), "local labels ",
           local_labels.sizes(), " do not match local embeddings ", local_embeddings.sizes());
  SV_CHECK(global_labels.dim() == 1 && global_labels.size(0) == global_embeddings.size(0), "global labels ",
           global_labels.sizes(), " do not match global embeddings ", global_embeddings.sizes());
  SV_CHECK(torch::equal(local_labels.to(torch::kLong),
                        global_labels.narrow(0, local_offset, local_labels.size(0)).to(torch::kLong)),
           "local labels differ from the global labels at offset ", local_offset);
  return multi_positive_loss(local_embeddings, global_embeddings, local_offset, local_labels.to(torch::kLong),
                             global_labels.to(torch::kLong), temperature);
}

torch::Tensor contrastive_top1(const torch::Tensor& local_embeddings, const torch::Tensor& global_embeddings,
                               int64_t local_offset) {
  check_embeddings(local_embeddings, global_embeddings, local_offset);
  torch::NoGradGuard no_grad;
  const int64_t views = local_embeddings.size(1);
  Similarities sim = similarities(local_embeddings, global_embeddings, local_offset, 1.0);
  torch::Tensor nearest_anchor = sim.logits.argmax(1).div(views, "floor");
  torch::Tensor own_anchor =
      anchor_ids(local_offset, local_embeddings.size(0), local_embeddings.device()).repeat_interleave(views);
  return nearest_anchor.eq(own_anchor).to(torch::kDouble).mean();
}

}  // namespace synthview::loss
