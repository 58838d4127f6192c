#include "ckpt/export.h"

#include <array>
#include <map>
#include <regex>
#include <set>

#include "core/error.h"
#include "h5/h5.h"

namespace synthview::ckpt {

namespace {

struct KnownResNet {
  const char* name;
  bool bottleneck;
  std::array<int64_t, 4> blocks;
};

constexpr KnownResNet kKnown[] = {
    {"resnet18", false, {2, 2, 2, 2}},  {"resnet34", false, {3, 4, 6, 3}},  {"resnet50", true, {3, 4, 6, 3}},
    {"resnet101", true, {3, 4, 23, 3}}, {"resnet152", true, {3, 8, 36, 3}},
};

}  // namespace

EncoderLayout describe_encoder(const NamedTensors& params) {
  std::map<std::string, torch::Tensor> by_name(params.begin(), params.end());
  auto conv1 = by_name.find("conv1.weight");
  if (conv1 == by_name.end() || conv1->second.dim() != 4) {
    throw InputError("the checkpoint's encoder has no 4-d conv1.weight: not a torchvision-style ResNet");
  }
  static const std::regex block_name(R"(layer([1-4])\.(\d+)\..*)");
  std::array<std::set<int64_t>, 4> blocks;
  bool bottleneck = false;
  for (const auto& [name, tensor] : params) {
    std::smatch match;
    if (std::regex_match(name, match, block_name)) blocks[std::stoi(match[1].str()) - 1].insert(std::stoll(match[2].str()));
    if (name.find(".conv3.weight") != std::string::npos) bottleneck = true;
  }
  std::array<int64_t, 4> counts{};
  for (size_t i = 0; i < 4; ++i) counts[i] = int64_t(blocks[i].size());
  EncoderLayout layout;
  for (const auto& known : kKnown) {
    if (known.bottleneck == bottleneck && known.blocks == counts) layout.arch = known.name;
  }
  if (layout.arch.empty()) {
    throw InputError(str("the checkpoint's encoder (", bottleneck ? "bottleneck" : "basic", " blocks ", counts[0], "-",
                         counts[1], "-", counts[2], "-", counts[3], ") matches no torchvision ResNet"));
  }
  const torch::Tensor& w = conv1->second;
  layout.in_channels = w.size(1);
  layout.stem = w.size(2) == 3 ? "small" : "imagenet";
  layout.feature_dim = 512 * (bottleneck ? 4 : 1);
  return layout;
}

EncoderLayout export_torchvision(const Checkpoint& checkpoint, const std::string& source_path,
                                 const std::string& out_path) {
  EncoderLayout layout = describe_encoder(checkpoint.model.encoder);
  h5::File file = h5::File::create(out_path);
  for (const NamedTensors* group : {&checkpoint.model.encoder, &checkpoint.model.encoder_buffers}) {
    for (const auto& [name, tensor] : *group) h5::write_tensor(file, "/" + name, tensor);
  }
  h5::write_attr(file, "/", "format", "synthview-torchvision-export");
  h5::write_attr(file, "/", "format_version", 1);
  h5::write_attr(file, "/", "arch", layout.arch);
  h5::write_attr(file, "/", "stem", layout.stem);
  h5::write_attr(file, "/", "in_channels", layout.in_channels);
  h5::write_attr(file, "/", "feature_dim", layout.feature_dim);
  h5::write_attr(file, "/", "source_checkpoint", source_path);
  h5::write_attr(file, "/", "step", checkpoint.train.step);
  file.close();
  return layout;
}

}  // namespace synthview::ckpt
