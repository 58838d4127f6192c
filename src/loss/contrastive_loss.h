// Contrastive losses over global negatives (SimCLR NT-Xent and SupCon), written for data-parallel
// training: each rank scores its own anchors against the embeddings gathered from every rank.
//
// Shapes: local [b, V, d] (this rank's anchors, V >= 2 views each, L2-normalised),
// global [W*b, V, d] (all ranks' embeddings, gathered; rows local_offset .. local_offset+b-1 are
// this rank's). Every view of every anchor is scored: for view row i with positives P(i),
//   l_i = -1/|P(i)| * sum_{p in P(i)} log( exp(s_ip / T) / sum_{a != i} exp(s_ia / T) ),
// s = cosine similarity (dot product of unit vectors), the sum over a running over the whole
// global batch except i itself (Khosla et al. 2020, L_out). The loss is the mean of l_i over this
// rank's b*V rows, so the mean over W ranks of the per-rank losses is the single-process loss on
// the full batch (and with an all_gather whose backward sums, the mean of the gradients too).
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace synthview::loss {

// SimCLR: positives are the other views of the same anchor. With V = 2 and W = 1 this is the
// NT-Xent of Chen et al. 2020. temperature <= 0 is an InputError.
torch::Tensor nt_xent(const torch::Tensor& local_embeddings, const torch::Tensor& global_embeddings,
                      int64_t local_offset, double temperature);

// SupCon: positives are all other views with the same label (other views of the same anchor always
// share it). Labels are integer class ids, local [b] and global [W*b].
torch::Tensor supcon(const torch::Tensor& local_embeddings, const torch::Tensor& global_embeddings,
                     int64_t local_offset, const torch::Tensor& local_labels, const torch::Tensor& global_labels,
                     double temperature);

// Contrastive top-1: the fraction of this rank's view rows whose most similar other embedding in
// the global batch is another view of the same anchor, as a 0-dim float64 tensor on the
// embeddings' device (no host sync). No gradient.
torch::Tensor contrastive_top1(const torch::Tensor& local_embeddings, const torch::Tensor& global_embeddings,
                               int64_t local_offset);

}  // namespace synthview::loss
