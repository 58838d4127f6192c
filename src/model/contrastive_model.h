// Encoder + projection head. Checkpoint paths follow the module tree: encoder.<torchvision name>,
// head.<head name>.
#pragma once

#include <cstdint>

#include <torch/torch.h>

#include "core/config.h"
#include "model/norm.h"
#include "model/projection_head.h"
#include "model/resnet.h"

namespace synthview::model {

class ContrastiveModelImpl : public torch::nn::Module {
 public:
  ContrastiveModelImpl(ResNet encoder, ProjectionHead head);
  // L2-normalised embeddings [N, proj_dim]: what the contrastive loss consumes.
  torch::Tensor forward(torch::Tensor x);
  // Encoder features [N, feature_dim]: what linear probes and kNN evaluate.
  torch::Tensor features(torch::Tensor x);

  ResNet encoder{nullptr};
  ProjectionHead head{nullptr};
};
TORCH_MODULE(ContrastiveModel);

// model.stem "auto" picks the small stem below 96 px, the ImageNet stem from 96 px up.
Stem resolve_stem(const std::string& stem, int64_t image_size);

// Builds model.encoder with model.proj_hidden / model.proj_dim; `norm` makes every norm layer
// (encoder and head). Unknown encoder or stem names are InputErrors.
ContrastiveModel make_model(const ModelSection& section, int64_t in_channels, int64_t image_size,
                            const NormFactory& norm);

}  // namespace synthview::model
