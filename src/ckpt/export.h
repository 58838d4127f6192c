// `synthview ckpt export`: the encoder as a torchvision ResNet state_dict in HDF5.
// Output layout (format_version 1): one dataset per torchvision state_dict key at the root
// (conv1.weight, bn1.running_mean, layer1.0.conv1.weight, ...; no fc.*), and root attributes
//   format = "synthview-torchvision-export", format_version = 1,
//   arch = resnet18|resnet34|resnet50|resnet101|resnet152, in_channels, feature_dim,
//   stem = "imagenet" (7x7 stride-2 conv1 + max-pool, torchvision's own) or "small" (3x3 stride-1
//   conv1 with padding 1 and no max-pool: replace model.conv1 and set model.maxpool = Identity),
//   source_checkpoint, step.
// tools/ckpt_to_torchvision.py loads it with fc = Identity.
#pragma once

#include <cstdint>
#include <string>

#include "ckpt/checkpoint.h"

namespace synthview::ckpt {

struct EncoderLayout {
  std::string arch;  // resnet18, resnet50, ...
  std::string stem;  // small | imagenet
  int64_t in_channels = 0;
  int64_t feature_dim = 0;
};

// Recognises a torchvision-named ResNet from its parameter names and shapes; InputError otherwise.
EncoderLayout describe_encoder(const NamedTensors& encoder_parameters);

// Writes checkpoint.model.encoder + encoder_buffers to `out_path` in the layout above.
EncoderLayout export_torchvision(const Checkpoint& checkpoint, const std::string& source_path,
                                 const std::string& out_path);

}  // namespace synthview::ckpt
