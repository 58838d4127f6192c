// ResNet encoders (He et al. 2016, torchvision's v1.5 layout: stride on the 3x3 conv of a bottleneck)
// without the classifier: forward() returns the globally average-pooled features.
//
// Parameter and buffer names are exactly torchvision's (conv1.weight, bn1.running_mean,
// layer1.0.conv1.weight, layer2.0.downsample.0.weight, layer2.0.downsample.1.weight, ...), so
// weights map one to one; blocks and downsample paths are torch::nn::Sequential, whose numeric child
// names are torchvision's list indices.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model/norm.h"

namespace synthview::model {

enum class BlockKind { kBasic, kBottleneck };

// kSmall: 3x3 conv stride 1 and no max-pool (28-64 px images); kImageNet: 7x7 conv stride 2 + max-pool.
enum class Stem { kSmall, kImageNet };

struct ResNetSpec {
  BlockKind block;
  std::array<int64_t, 4> blocks_per_stage;
  // Channels of the stem and the first stage (torchvision: 64); stages double it. Smaller widths keep
  // every name and shape rank, for CPU-sized runs and tests.
  int64_t width = 64;
};

// "resnet18" or "resnet50"; anything else is an InputError listing the valid names.
ResNetSpec resnet_spec(const std::string& name);
const std::vector<std::string>& encoder_names();

// One residual block: conv1/bn1, conv2/bn2 (BasicBlock) or conv1..3/bn1..3 (Bottleneck), plus an
// optional downsample = Sequential(1x1 conv, norm) on the identity path.
class ResidualBlockImpl : public torch::nn::Module {
 public:
  ResidualBlockImpl(BlockKind kind, int64_t in_channels, int64_t planes, int64_t stride, const NormFactory& norm);
  torch::Tensor forward(torch::Tensor x);

  static int64_t expansion(BlockKind kind) { return kind == BlockKind::kBasic ? 1 : 4; }

 private:
  std::vector<torch::nn::Conv2d> convs_;
  std::vector<torch::nn::AnyModule> norms_;
  torch::nn::Sequential downsample_{nullptr};
};
TORCH_MODULE(ResidualBlock);

class ResNetImpl : public torch::nn::Module {
 public:
  ResNetImpl(const ResNetSpec& spec, int64_t in_channels, Stem stem, const NormFactory& norm);
  // [N, C, H, W] -> [N, out_features()]
  torch::Tensor forward(torch::Tensor x);
  int64_t out_features() const { return out_features_; }

 private:
  Stem stem_;
  int64_t out_features_;
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::AnyModule bn1_;
  std::array<torch::nn::Sequential, 4> layers_;
};
TORCH_MODULE(ResNet);

// A norm layer from the factory, initialised like torchvision (weight 1, bias 0).
torch::nn::AnyModule make_norm(const NormFactory& norm, int64_t channels);

}  // namespace synthview::model
