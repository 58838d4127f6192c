// Alignment and uniformity of embeddings (Wang & Isola, ICML 2020), for the trainer's periodic metrics.
#pragma once

#include <torch/torch.h>

namespace synthview::eval {

// mean_i ||f(x_i) - f(y_i)||^alpha over positive pairs (rows of z1, z2: [N, D]); lower = better aligned.
// Rows are L2-normalised here first (a no-op for embeddings that already are).
double alignment(const torch::Tensor& z1, const torch::Tensor& z2, double alpha = 2.0);

// log mean_{i<j} exp(-t ||f(x_i) - f(x_j)||^2) over all pairs of rows of z [N, D], N >= 2;
// lower = more uniform on the sphere. Rows are L2-normalised first.
double uniformity(const torch::Tensor& z, double t = 2.0);

}  // namespace synthview::eval
