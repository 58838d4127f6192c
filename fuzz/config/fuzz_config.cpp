// Config parsing and validation: YAML text, then `--set` lines. Input: YAML, a NUL byte, then one
// key=value per line. A config that loads must survive its own round trip through config_to_yaml.
#include <cstring>
#include <sstream>

#include "core/config.h"
#include "../contract.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace synthview;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  const std::string yaml = input.substr(0, split);
  std::vector<std::string> overrides;
  if (split != std::string::npos) {
    std::istringstream lines(input.substr(split + 1));
    for (std::string line; std::getline(lines, line);) overrides.push_back(line);
  }
  Config config;
  if (fuzz::returns_or_input_error([&] { config = config_from_yaml(yaml, overrides, "fuzz.yaml"); })) {
    Config again;
    fuzz::require(fuzz::returns_or_input_error([&] { again = config_from_yaml(config_to_yaml(config)); }),
                  "a loaded config does not load from its own YAML");
    fuzz::require(config_to_yaml(again) == config_to_yaml(config), "config_to_yaml does not round-trip");
  }
  return 0;
}
