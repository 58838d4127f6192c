#include "gen/builtin_generator.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "core/rng.h"
#include "h5/h5.h"

namespace synthview::gen {
namespace {

constexpr int64_t kFormatVersion = 1;
constexpr int64_t kCalibrationBatch = 512;
const char* const kGroup = "/generator";

// Number of 2x upsamplings from 4x4 to `resolution`; 0 if it is not 4 * 2^k.
int64_t upsamplings(int64_t resolution) {
  int64_t k = 0;
  for (int64_t side = 4; side < resolution; side *= 2) ++k;
  return (resolution == (int64_t{4} << k)) ? k : 0;
}

torch::nn::ConvTranspose2d up_conv(int64_t in, int64_t out, bool bias) {
  return torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(in, out, 4).stride(2).padding(1).bias(bias));
}

// Kaiming-normal scale for what follows a ReLU: a transposed conv with stride 2 sums
// in_channels * k*k / 4 inputs per output pixel.
double init_std(const std::string& name, const torch::Tensor& p) {
  if (name.find("embed") != std::string::npos) return 1.0;
  if (p.dim() == 2) return std::sqrt(2.0 / p.size(1));                      // linear [out, in]
  if (p.dim() == 4) return std::sqrt(2.0 / (p.size(0) * p.size(2) * p.size(3) / 4.0));  // convT [in, out, k, k]
  return 0.0;
}

}  // namespace

GeneratorInfo builtin_info(const GeneratorSection& section) {
  if (upsamplings(section.resolution) < 1) {
    throw InputError(synthview::str("generator.resolution=", section.resolution,
                         " is not supported by the builtin generator (expected 4 * 2^k: 8, 16, 32, 64, ...)"));
  }
  if (section.channels != 1 && section.channels != 3) {
    throw InputError(synthview::str("generator.channels=", section.channels, " (expected 1 or 3)"));
  }
  return {section.latent_dim, section.num_classes, section.channels, section.resolution};
}

BuiltinGeneratorNetImpl::BuiltinGeneratorNetImpl(const GeneratorInfo& info, int64_t width)
    : info_(info), width_(width) {
  const int64_t k = upsamplings(info.resolution);
  SV_CHECK(k >= 1, "resolution must be 4 * 2^k, got ", info.resolution);
  start_channels_ = width * (int64_t{1} << (k - 1));
  int64_t input = info.latent_dim;
  if (info.num_classes > 0) {
    embed_ = register_module("embed", torch::nn::Embedding(info.num_classes, info.latent_dim));
    input += info.latent_dim;
  }
  project_ = register_module("project", torch::nn::Linear(torch::nn::LinearOptions(input, start_channels_ * 16).bias(false)));
  project_norm_ = register_module("project_norm", torch::nn::BatchNorm2d(start_channels_));
  blocks_ = torch::nn::Sequential();
  int64_t channels = start_channels_;
  for (int64_t i = 1; i < k; ++i) {
    blocks_->push_back(up_conv(channels, channels / 2, /*bias=*/false));
    blocks_->push_back(torch::nn::BatchNorm2d(channels / 2));
    blocks_->push_back(torch::nn::ReLU());
    channels /= 2;
  }
  blocks_->push_back(up_conv(channels, info.channels, /*bias=*/true));
  blocks_->push_back(torch::nn::Tanh());
  register_module("blocks", blocks_);
}

torch::Tensor BuiltinGeneratorNetImpl::forward(const torch::Tensor& z, const torch::Tensor& class_ids) {
  torch::Tensor input = z;
  if (embed_) input = torch::cat({z, embed_->forward(class_ids)}, 1);
  torch::Tensor x = project_->forward(input).view({z.size(0), start_channels_, 4, 4});
  x = torch::relu(project_norm_->forward(x));
  return blocks_->forward(x);
}

BuiltinGenerator::BuiltinGenerator(const GeneratorInfo& info, int64_t width, uint64_t seed)
    : net_(BuiltinGeneratorNet(info, width)) {
  torch::NoGradGuard no_grad;
  CounterRng rng(seed);
  // Parameter p, element i -> counter index (p << 32) + i: independent of everything but the seed.
  int64_t number = 0;
  for (auto& item : net_->named_parameters()) {
    torch::Tensor& p = item.value();
    double std = init_std(item.key(), p);
    torch::Tensor index = torch::arange(p.numel(), torch::kInt64) + (number++ << 32);
    if (std > 0) {
      p.copy_((rng.normal(RngStream::kModelInit, index, 1) * std).view(p.sizes()));
    } else {
      p.fill_(item.key().find("weight") != std::string::npos ? 1.0 : 0.0);  // BN scale 1, biases 0
    }
  }
  // Calibrate BN running statistics on one seeded batch (momentum 1 = take the batch statistics).
  torch::Tensor index = torch::arange(kCalibrationBatch, torch::kInt64) + (number << 32);
  torch::Tensor z = rng.truncated_normal(RngStream::kModelInit, index, info.latent_dim, 2.0).to(torch::kFloat32);
  torch::Tensor y = info.num_classes > 0 ? torch::remainder(torch::arange(kCalibrationBatch), info.num_classes)
                                         : torch::zeros({kCalibrationBatch}, torch::kInt64);
  std::vector<torch::nn::BatchNorm2dImpl*> norms;
  for (auto& module : net_->modules(/*include_self=*/false)) {
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(module.get())) norms.push_back(bn);
  }
  for (auto* bn : norms) bn->options.momentum(1.0);
  net_->train();
  net_->forward(z, y);
  for (auto* bn : norms) {
    bn->options.momentum(0.1);
    bn->num_batches_tracked.zero_();
  }
  net_->eval();
}

torch::Tensor BuiltinGenerator::generate(const torch::Tensor& z, const torch::Tensor& class_ids) {
  torch::NoGradGuard no_grad;
  const bool was_training = net_->is_training();
  net_->eval();
  torch::Tensor y = info().num_classes > 0 ? class_ids.to(device_, torch::kInt64)
                                           : torch::zeros({z.size(0)}, torch::TensorOptions(device_).dtype(torch::kInt64));
  torch::Tensor images = net_->forward(z.to(device_, torch::kFloat32), y);
  if (was_training) net_->train();
  return images;
}

void BuiltinGenerator::to(torch::Device device) {
  net_->to(device);
  device_ = device;
}

std::shared_ptr<BuiltinGenerator> BuiltinGenerator::load(const std::string& path) {
  h5::File file = h5::File::open_read(path);
  if (!h5::exists(file, kGroup)) {
    throw InputError(synthview::str("generator weights '", path, "' have no ", kGroup, " group (not a builtin generator file?)"));
  }
  std::string kind = h5::read_attr_string(file, kGroup, "kind");
  if (kind != "builtin") {
    throw InputError(synthview::str("generator weights '", path, "' are of kind '", kind, "' (expected 'builtin')"));
  }
  int64_t version = h5::read_attr_int(file, kGroup, "format_version");
  if (version != kFormatVersion) {
    throw InputError(synthview::str("generator weights '", path, "' have format_version ", version, " (expected ", kFormatVersion, ")"));
  }
  GeneratorSection arch;
  arch.latent_dim = h5::read_attr_int(file, kGroup, "latent_dim");
  arch.num_classes = h5::read_attr_int(file, kGroup, "num_classes");
  arch.channels = h5::read_attr_int(file, kGroup, "channels");
  arch.resolution = h5::read_attr_int(file, kGroup, "resolution");
  int64_t width = h5::read_attr_int(file, kGroup, "width");
  BuiltinGeneratorNet net(builtin_info(arch), width);

  torch::NoGradGuard no_grad;
  std::vector<std::string> stored = h5::list_datasets(file, kGroup);
  std::set<std::string> unused(stored.begin(), stored.end());
  std::vector<std::string> problems;
  auto restore = [&](const std::string& name, torch::Tensor& target) {
    if (!unused.erase(name)) {
      problems.push_back(name + " missing");
      return;
    }
    torch::Tensor value = h5::read_tensor(file, std::string(kGroup) + "/" + name);
    if (value.sizes() != target.sizes()) {
      problems.push_back(synthview::str(name, " has shape ", value.sizes(), ", expected ", target.sizes()));
      return;
    }
    target.copy_(value.to(target.dtype()));
  };
  for (auto& item : net->named_parameters()) restore(item.key(), item.value());
  for (auto& item : net->named_buffers()) restore(item.key(), item.value());
  for (const auto& name : unused) problems.push_back(name + " unexpected");
  if (!problems.empty()) {
    std::string list;
    for (const auto& p : problems) list += (list.empty() ? "" : "; ") + p;
    throw InputError(synthview::str("generator weights '", path, "' do not match the architecture in their attributes: ", list));
  }
  net->eval();
  return std::shared_ptr<BuiltinGenerator>(new BuiltinGenerator(std::move(net)));
}

void save_builtin_generator(BuiltinGenerator& generator, const std::string& path) {
  // Write beside the target and rename, so a crash never leaves a half-written weights file.
  const std::string temporary = path + ".tmp";
  {
    h5::File file = h5::File::create(temporary);
    const GeneratorInfo& info = generator.info();
    h5::write_attr(file, kGroup, "kind", "builtin");
    h5::write_attr(file, kGroup, "format_version", kFormatVersion);
    h5::write_attr(file, kGroup, "latent_dim", info.latent_dim);
    h5::write_attr(file, kGroup, "num_classes", info.num_classes);
    h5::write_attr(file, kGroup, "channels", info.channels);
    h5::write_attr(file, kGroup, "resolution", info.resolution);
    h5::write_attr(file, kGroup, "width", generator.width());
    for (const auto& item : generator.net()->named_parameters()) {
      h5::write_tensor(file, std::string(kGroup) + "/" + item.key(), item.value().detach().cpu());
    }
    for (const auto& item : generator.net()->named_buffers()) {
      h5::write_tensor(file, std::string(kGroup) + "/" + item.key(), item.value().cpu());
    }
    file.close();
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) throw Error(synthview::str("cannot rename '", temporary, "' to '", path, "': ", error.message()));
}

}  // namespace synthview::gen
