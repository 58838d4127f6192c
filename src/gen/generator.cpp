#include "gen/generator.h"

#include "core/error.h"
#include "gen/builtin_generator.h"
#include "gen/torchscript_generator.h"

namespace synthview::gen {

std::shared_ptr<Generator> make_generator(const Config& config, torch::Device device) {
  const GeneratorSection& section = config.generator;
  std::shared_ptr<Generator> generator;
  if (section.kind == "builtin") {
    if (section.path.empty()) {
      generator = std::make_shared<BuiltinGenerator>(builtin_info(section), section.width,
                                                     static_cast<uint64_t>(config.seed), section.arch);
    } else {
      generator = BuiltinGenerator::load(section.path);
    }
  } else if (section.kind == "torchscript") {
    if (section.path.empty()) {
      throw InputError("generator.kind=torchscript needs generator.path (a module from tools/export_generator.py)");
    }
    return std::make_shared<TorchScriptGenerator>(section.path, section, device);
  } else {
    throw InputError(synthview::str("generator.kind='", section.kind, "' (expected builtin or torchscript)"));
  }
  generator->to(device);
  return generator;
}

}  // namespace synthview::gen
