// The scorer's small CNN (docs/generators.md, "Sample quality"): a classifier of 32 px images whose
// penultimate layer is the feature space of the Frechet distance and of precision/recall/density/coverage,
// and which, trained on generated samples, gives the CNN classification accuracy score (CAS).
//   [B, C, 32, 32] -> conv3x3 16, ReLU, maxpool2 -> conv3x3 32, ReLU, maxpool2 -> conv3x3 64, ReLU
//   -> adaptive average pool to 4x4 -> flatten 1024 -> linear 128, ReLU = the features -> linear -> classes
// (2.6 M multiply-adds per 32 px image: small enough to train three of them on a shared CPU; the 4x4 grid
// keeps the garment's layout, which a global pool loses.)
// No batch norm, so features never depend on the batch. Training is deterministic: seeded init (counter RNG),
// minibatches drawn by the counter RNG with replacement (stream kUser + 31), Adam lr 1e-3, batch 64,
// `steps` updates; on one CPU thread the same inputs give the same network bit for bit.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace synthview::gan {

class FeatureCnnImpl : public torch::nn::Module {
 public:
  FeatureCnnImpl(int64_t channels, int64_t classes);
  torch::Tensor features(const torch::Tensor& images);  // [B, 128]
  torch::Tensor forward(const torch::Tensor& images);   // logits [B, classes]

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  torch::nn::Linear embed_{nullptr}, head_{nullptr};
};
TORCH_MODULE(FeatureCnn);

// images float [N, C, H, W] in [-1, 1], labels int64 [N] in [0, classes).
FeatureCnn train_feature_cnn(const torch::Tensor& images, const torch::Tensor& labels, int64_t classes, int64_t steps,
                             uint64_t seed);

// Evaluation in chunks, without gradients: features [N, 128] and predicted classes [N].
torch::Tensor cnn_features(FeatureCnn& cnn, const torch::Tensor& images);
torch::Tensor cnn_predict(FeatureCnn& cnn, const torch::Tensor& images);

}  // namespace synthview::gan
