// Autograd-aware all_gather for embeddings.
//
// Forward: the rows of every rank, concatenated in rank order. Backward: the incoming gradient is summed
// over ranks and each rank keeps the rows of its own input (a reduce-scatter).
//
// Loss normalisation (why gradients come out exact): with W ranks of b local anchors, let the single-process
// loss be L = (1/(W*b)) * sum over all anchors i of l_i, each l_i computed against the whole gathered set.
// Give rank r the loss L_r = (1/b) * sum over ITS anchors of l_i (a mean over local anchors against the
// gathered set). Then sum_r L_r = W * L. Because this backward sums every rank's gradient for each row, the
// gradient rank r computes for the shared parameters is its share of d(sum_r L_r)/dtheta; averaging those
// over ranks (GradientReducer divides the all-reduced sum by W) gives exactly dL/dtheta.
// Every rank must call it (it is a collective in forward and in backward). The communicator must outlive
// the autograd graph.
#pragma once

#include <torch/torch.h>

#include "dist/communicator.h"

namespace synthview::dist {

torch::Tensor all_gather_with_grad(Communicator& comm, const torch::Tensor& local);

}  // namespace synthview::dist
