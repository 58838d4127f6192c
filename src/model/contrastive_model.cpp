#include "model/contrastive_model.h"

#include "core/error.h"

namespace synthview::model {

ContrastiveModelImpl::ContrastiveModelImpl(ResNet encoder_module, ProjectionHead head_module)
    : encoder(register_module("encoder", std::move(encoder_module))),
      head(register_module("head", std::move(head_module))) {}

torch::Tensor ContrastiveModelImpl::forward(torch::Tensor x) {
  return torch::nn::functional::normalize(head->forward(encoder->forward(x)),
                                          torch::nn::functional::NormalizeFuncOptions().dim(1));
}

torch::Tensor ContrastiveModelImpl::features(torch::Tensor x) { return encoder->forward(x); }

Stem resolve_stem(const std::string& stem, int64_t image_size) {
  if (stem == "small") return Stem::kSmall;
  if (stem == "imagenet") return Stem::kImageNet;
  if (stem == "auto") return image_size < 96 ? Stem::kSmall : Stem::kImageNet;
  throw InputError(str("unknown model.stem '", stem, "': expected auto, small or imagenet"));
}

ContrastiveModel make_model(const ModelSection& section, int64_t in_channels, int64_t image_size,
                            const NormFactory& norm) {
  if (in_channels < 1) throw InputError(str("model input needs at least one channel, got ", in_channels));
  ResNetSpec spec = resnet_spec(section.encoder);
  spec.width = section.width;
  ResNet encoder(spec, in_channels, resolve_stem(section.stem, image_size), norm);
  ProjectionHead head(encoder->out_features(), section.proj_hidden, section.proj_dim, norm);
  return ContrastiveModel(std::move(encoder), std::move(head));
}

}  // namespace synthview::model
