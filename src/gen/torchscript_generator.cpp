#include "gen/torchscript_generator.h"

#include <filesystem>

#include "core/error.h"
#include "core/rng.h"

namespace synthview::gen {
namespace {

constexpr int64_t kProbeBatch = 4;
constexpr double kRangeTolerance = 1e-3;

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The TorchScript interpreter puts the actual error ("RuntimeError: shape ... is invalid") last.
std::string last_line(const std::string& text) {
  size_t end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return text;
  size_t begin = text.rfind('\n', end);
  return text.substr(begin == std::string::npos ? 0 : begin + 1, end + 1 - (begin == std::string::npos ? 0 : begin + 1));
}

int64_t int_attribute(const torch::jit::Module& module, const std::string& name, int64_t fallback,
                      const std::string& path) {
  if (!module.hasattr(name)) return fallback;
  c10::IValue value = module.attr(name);
  if (!value.isInt()) {
    throw InputError(synthview::str("TorchScript generator '", path, "': attribute '", name, "' is a ", value.tagKind(),
                         " (expected an int)"));
  }
  return value.toInt();
}

}  // namespace

ImageShape check_probe_output(const torch::Tensor& images, int64_t batch, int64_t latent_dim, const std::string& path) {
  const std::string expected = synthview::str("expected float [", batch, ", 1|3, H, H] in [-1, 1]");
  if (images.dim() != 4 || images.size(0) != batch || (images.size(1) != 1 && images.size(1) != 3) ||
      images.size(2) != images.size(3) || images.size(2) < 1) {
    throw InputError(synthview::str("TorchScript generator '", path, "' returned shape ", images.sizes(), " for a probe batch of ",
                         batch, " latents of size ", latent_dim, " (", expected, ")"));
  }
  if (!images.is_floating_point()) {
    throw InputError(synthview::str("TorchScript generator '", path, "' returned dtype ", images.scalar_type(), " (", expected, ")"));
  }
  torch::Tensor finite = torch::isfinite(images);
  if (!finite.all().item<bool>()) {
    throw InputError(synthview::str("TorchScript generator '", path, "' returned ", (~finite).sum().item<int64_t>(),
                         " non-finite values (NaN/Inf) for a probe batch (", expected, ")"));
  }
  double low = images.min().item<double>(), high = images.max().item<double>();
  if (low < -1 - kRangeTolerance || high > 1 + kRangeTolerance) {
    throw InputError(synthview::str("TorchScript generator '", path, "' returned values in [", low, ", ", high, "] (", expected,
                         "; rescale the output, e.g. x * 2 - 1 for [0, 1] images)"));
  }
  return {images.size(1), images.size(2)};
}

TorchScriptGenerator::TorchScriptGenerator(const std::string& path, const GeneratorSection& fallback,
                                           torch::Device device)
    : path_(path), device_(device) {
  if (!std::filesystem::is_regular_file(path)) {
    throw InputError(synthview::str("generator.path '", path, "' does not exist (expected a TorchScript module file)"));
  }
  try {
    module_ = torch::jit::load(path, device);
  } catch (const c10::Error& e) {
    throw InputError(synthview::str("generator.path '", path, "' is not a loadable TorchScript module: ",
                         first_line(e.what_without_backtrace())));
  }
  module_.eval();
  auto method = module_.find_method("forward");
  if (!method) throw InputError(synthview::str("TorchScript generator '", path, "' has no forward method"));
  // The schema's first argument is self.
  const size_t arguments = method->function().getSchema().arguments().size() - 1;
  if (arguments != 1 && arguments != 2) {
    throw InputError(synthview::str("TorchScript generator '", path, "': forward takes ", arguments,
                         " arguments (expected forward(z) or forward(z, y))"));
  }
  conditional_ = arguments == 2;
  info_.latent_dim = int_attribute(module_, "latent_dim", fallback.latent_dim, path);
  info_.num_classes = conditional_ ? int_attribute(module_, "num_classes", fallback.num_classes, path) : 0;
  if (info_.latent_dim < 1) {
    throw InputError(synthview::str("TorchScript generator '", path, "': latent_dim ", info_.latent_dim, " (expected >= 1)"));
  }
  if (conditional_ && info_.num_classes < 1) {
    throw InputError(synthview::str("TorchScript generator '", path, "' takes class ids, but num_classes is ",
                         info_.num_classes, " (set a num_classes attribute or generator.num_classes >= 1)"));
  }

  // Probe: a seeded batch must give [B, C, H, H] float images in [-1, 1].
  torch::Tensor index = torch::arange(kProbeBatch, torch::kInt64);
  CounterRng rng(0);
  torch::Tensor z = rng.truncated_normal(RngStream::kUser, index, info_.latent_dim, 2.0).to(torch::kFloat32);
  torch::Tensor y = torch::remainder(index, std::max<int64_t>(info_.num_classes, 1));
  torch::Tensor images;
  try {
    images = forward(z, y);
  } catch (const InputError& e) {
    if (module_.hasattr("latent_dim")) throw;
    // The usual cause: the latent size came from the config, not the module, and they differ.
    throw InputError(synthview::str(e.what(), " (the module has no latent_dim attribute, so generator.latent_dim=",
                                    info_.latent_dim, " was used: set generator.latent_dim to the module's latent "
                                    "size, or export the module with a latent_dim attribute)"));
  }
  const ImageShape shape = check_probe_output(images, kProbeBatch, info_.latent_dim, path);
  info_.channels = shape.channels;
  info_.resolution = shape.resolution;
}

torch::Tensor TorchScriptGenerator::forward(const torch::Tensor& z, const torch::Tensor& class_ids) {
  torch::NoGradGuard no_grad;
  std::vector<c10::IValue> inputs{z.to(device_, torch::kFloat32)};
  if (conditional_) inputs.emplace_back(class_ids.to(device_, torch::kInt64));
  c10::IValue output;
  try {
    output = module_.forward(inputs);
  } catch (const c10::Error& e) {
    throw InputError(synthview::str("TorchScript generator '", path_, "' failed on z ", z.sizes(),
                                    conditional_ ? " and y" : "", ": ", last_line(e.what_without_backtrace())));
  } catch (const std::exception& e) {  // interpreter errors (torch::jit::JITException)
    throw InputError(synthview::str("TorchScript generator '", path_, "' failed on z ", z.sizes(),
                                    conditional_ ? " and y" : "", ": ", last_line(e.what())));
  }
  if (!output.isTensor()) {
    throw InputError(synthview::str("TorchScript generator '", path_, "' returned a ", output.tagKind(),
                         " (expected an image tensor [B, C, H, H])"));
  }
  return output.toTensor();
}

torch::Tensor TorchScriptGenerator::generate(const torch::Tensor& z, const torch::Tensor& class_ids) {
  torch::Tensor images = forward(z, class_ids);
  if (images.dim() != 4 || images.size(0) != z.size(0)) {
    throw InputError(synthview::str("TorchScript generator '", path_, "' returned shape ", images.sizes(), " for ", z.size(0),
                         " latents (expected [", z.size(0), ", ", info_.channels, ", ", info_.resolution, ", ",
                         info_.resolution, "])"));
  }
  // Within the probe's tolerance of [-1, 1]; clamp the rounding away.
  return images.to(torch::kFloat32).clamp(-1, 1);
}

void TorchScriptGenerator::to(torch::Device device) {
  module_.to(device);
  device_ = device;
}

}  // namespace synthview::gen
