// Figures that compare a set of generated samples with a set of real ones, in pixel space or in the
// feature space of a network (feature_cnn.h). All computed in float64.
//  - mean_pairwise_correlation: mean over pairs i < j of the Pearson correlation of the pixel vectors of
//    images i and j; within one class it is high when the samples are one template (collapse).
//  - frechet_distance: ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2) between the Gaussians with
//    the moments of two feature sets (FID's formula, Heusel et al. 2017).
//  - precision / recall (Kynkaenniemi et al. 2019) and density / coverage (Naeem et al. 2020) from k-nearest-
//    neighbour balls: a real point's ball has the radius of its k-th nearest other real point (same for
//    fakes); precision = share of fakes inside some real ball, recall = share of reals inside some fake
//    ball, density = (1 / kM) sum over fakes of the number of real balls holding it, coverage = share of
//    reals whose ball holds some fake.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace synthview::gan {

// images [N, ...] (N >= 2), any float type.
double mean_pairwise_correlation(const torch::Tensor& images);

// Moments given: means [D], covariances [D, D] (symmetric positive semi-definite).
double frechet_distance(const torch::Tensor& mean1, const torch::Tensor& cov1, const torch::Tensor& mean2,
                        const torch::Tensor& cov2);
// Moments of features [N, D] and [M, D] (covariance with N - 1).
double frechet_distance(const torch::Tensor& features1, const torch::Tensor& features2);

struct Fidelity {
  double precision = 0, recall = 0, density = 0, coverage = 0;
};
// real [N, D], fake [M, D]; k nearest neighbours (k < N and k < M).
Fidelity fidelity(const torch::Tensor& real, const torch::Tensor& fake, int64_t k);

}  // namespace synthview::gan
