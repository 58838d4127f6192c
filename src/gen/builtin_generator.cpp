#include "gen/builtin_generator.h"

#include <filesystem>

#include "core/error.h"
#include "h5/h5.h"
#include "h5/module_io.h"

namespace synthview::gen {
namespace {

// Version 1: the dcgan architecture (no arch attribute needed); version 2 adds the arch attribute and the
// resnet architecture. Files of the dcgan architecture are still written as version 1, so older readers
// (tools/bench/torch_reference.py) keep reading them.
constexpr int64_t kDcganFormatVersion = 1;
constexpr int64_t kFormatVersion = 2;
constexpr int64_t kCalibrationBatch = 512;
const char* const kGroup = "/generator";

}  // namespace

int64_t upsamplings(int64_t resolution) {
  int64_t k = 0;
  for (int64_t side = 4; side < resolution; side *= 2) ++k;
  return (resolution == (int64_t{4} << k)) ? k : 0;
}

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

BuiltinGenerator::BuiltinGenerator(const GeneratorInfo& info, int64_t width, uint64_t seed, const std::string& arch)
    : net_(make_generator_net(arch, info, width)) {
  seeded_init(*net_, CounterRng(seed), [this](const std::string& name, const torch::Tensor& p) {
    return net_->init_rule(name, p);
  });
  net_->eval();
  calibrate_batch_norm(seed);
}

void BuiltinGenerator::calibrate_batch_norm(uint64_t seed) {
  torch::NoGradGuard no_grad;
  const GeneratorInfo& info = net_->info();
  // The counter range after the parameters' (gen::seeded_init numbers them 0, 1, ...).
  const auto base = static_cast<int64_t>(net_->parameters().size()) << 32;
  torch::Tensor index = torch::arange(kCalibrationBatch, torch::kInt64) + base;
  torch::Tensor z = CounterRng(seed).truncated_normal(RngStream::kModelInit, index, info.latent_dim, 2.0).to(torch::kFloat32);
  torch::Tensor y = info.num_classes > 0 ? torch::remainder(torch::arange(kCalibrationBatch), info.num_classes)
                                         : torch::zeros({kCalibrationBatch}, torch::kInt64);
  std::vector<torch::nn::BatchNorm2dImpl*> norms;
  for (auto& module : net_->modules(/*include_self=*/false)) {
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(module.get())) norms.push_back(bn);
  }
  // Momentum 1 = take the batch statistics.
  const bool was_training = net_->is_training();
  for (auto* bn : norms) bn->options.momentum(1.0);
  net_->train();
  net_->forward(z.to(device_), y.to(device_));
  for (auto* bn : norms) {
    bn->options.momentum(0.1);
    bn->num_batches_tracked.zero_();
  }
  net_->train(was_training);
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
  if (version != kDcganFormatVersion && version != kFormatVersion) {
    throw InputError(synthview::str("generator weights '", path, "' have format_version ", version, " (expected ",
                                    kDcganFormatVersion, " or ", kFormatVersion, ")"));
  }
  const std::string arch = h5::has_attr(file, kGroup, "arch") ? h5::read_attr_string(file, kGroup, "arch") : "dcgan";
  // The architecture attributes size the network built next: each must pass the range its generator.*
  // config key states (docs/cli.md) before anything is allocated from it.
  Config limits;
  for (const char* name : {"latent_dim", "num_classes", "channels", "resolution", "width"}) {
    const int64_t value = h5::read_attr_int(file, kGroup, name);
    try {
      set_config_value(limits, synthview::str("generator.", name), std::to_string(value));
    } catch (const InputError& e) {
      throw InputError(synthview::str("generator weights '", path, "': attribute ", kGroup, "@", name, " = ", value,
                                      " is out of range: ", e.what()));
    }
  }
  const GeneratorSection& section = limits.generator;
  std::shared_ptr<GeneratorNet> net = make_generator_net(arch, builtin_info(section), section.width);
  std::vector<std::string> problems = h5::read_module(file, kGroup, *net);
  if (!problems.empty()) {
    throw InputError(synthview::str("generator weights '", path, "' do not match the ", arch,
                                    " architecture in their attributes: ", h5::join(problems)));
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
    const std::string arch = generator.arch();
    h5::write_attr(file, kGroup, "kind", "builtin");
    h5::write_attr(file, kGroup, "format_version", arch == "dcgan" ? kDcganFormatVersion : kFormatVersion);
    h5::write_attr(file, kGroup, "arch", arch);
    h5::write_attr(file, kGroup, "latent_dim", info.latent_dim);
    h5::write_attr(file, kGroup, "num_classes", info.num_classes);
    h5::write_attr(file, kGroup, "channels", info.channels);
    h5::write_attr(file, kGroup, "resolution", info.resolution);
    h5::write_attr(file, kGroup, "width", generator.width());
    h5::write_module(file, kGroup, *generator.net());
    file.close();
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) throw Error(synthview::str("cannot rename '", temporary, "' to '", path, "': ", error.message()));
}

}  // namespace synthview::gen
