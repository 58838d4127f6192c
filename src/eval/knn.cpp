#include "eval/knn.h"

#include <algorithm>

#include "core/error.h"

namespace synthview::eval {

std::vector<torch::Tensor> knn_votes(const torch::Tensor& train_features, const torch::Tensor& train_labels,
                                     const torch::Tensor& test_features, int64_t classes,
                                     const KnnOptions& options) {
  SV_CHECK(train_features.dim() == 2 && test_features.dim() == 2 && train_features.size(1) == test_features.size(1),
           "feature shapes differ: train ", train_features.sizes(), ", test ", test_features.sizes());
  SV_CHECK(train_labels.size(0) == train_features.size(0) && train_features.size(0) > 0, "bad train labels");
  SV_CHECK(!options.ks.empty() && options.temperature > 0 && options.max_block_elements > 0, "bad kNN options");
  torch::NoGradGuard no_grad;
  const int64_t train_count = train_features.size(0);
  std::vector<int64_t> ks;
  for (int64_t k : options.ks) {
    SV_CHECK(k > 0, "kNN k must be positive, got ", k);
    ks.push_back(std::min(k, train_count));
  }
  const int64_t k_max = *std::max_element(ks.begin(), ks.end());

  const auto device = train_features.device();
  namespace F = torch::nn::functional;
  torch::Tensor train = F::normalize(train_features.to(torch::kFloat32), F::NormalizeFuncOptions().dim(1));
  torch::Tensor test = F::normalize(test_features.to(device, torch::kFloat32), F::NormalizeFuncOptions().dim(1));
  torch::Tensor labels = train_labels.to(device, torch::kInt64);
  const int64_t rows = std::max<int64_t>(1, options.max_block_elements / train_count);

  std::vector<std::vector<torch::Tensor>> parts(ks.size());
  for (int64_t start = 0; start < test.size(0); start += rows) {
    torch::Tensor block = test.narrow(0, start, std::min(rows, test.size(0) - start)).matmul(train.t());
    auto [similarity, index] = block.topk(k_max, /*dim=*/1);  // sorted, most similar first
    torch::Tensor weight = similarity.div(options.temperature).exp();
    torch::Tensor neighbour_labels = labels.index_select(0, index.flatten()).view(index.sizes());
    for (size_t i = 0; i < ks.size(); ++i) {
      torch::Tensor votes = torch::zeros({block.size(0), classes}, weight.options());
      votes.scatter_add_(1, neighbour_labels.narrow(1, 0, ks[i]), weight.narrow(1, 0, ks[i]));
      parts[i].push_back(votes);
    }
  }
  std::vector<torch::Tensor> votes;
  for (auto& chunks : parts) votes.push_back(torch::cat(chunks));
  return votes;
}

std::vector<KnnScore> knn_classify(const torch::Tensor& train_features, const torch::Tensor& train_labels,
                                   const torch::Tensor& test_features, const torch::Tensor& test_labels,
                                   const KnnOptions& options) {
  const int64_t classes = 1 + std::max(train_labels.max().item<int64_t>(), test_labels.max().item<int64_t>());
  std::vector<torch::Tensor> votes = knn_votes(train_features, train_labels, test_features, classes, options);
  std::vector<KnnScore> scores;
  for (size_t i = 0; i < votes.size(); ++i) {
    scores.push_back({options.ks[i], topk_accuracy(votes[i], test_labels)});
  }
  return scores;
}

}  // namespace synthview::eval
