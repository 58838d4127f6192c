// `synthview config`: print the resolved, validated configuration (or the key reference).
#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "core/error.h"

namespace synthview::cli {

int run_config_command(const std::vector<std::string>& args) {
  po::options_description options("synthview config options");
  options.add_options()
      ("config,c", po::value<std::string>(), "YAML config file (see configs/)")
      ("set,s", po::value<std::vector<std::string>>()->composing(), "override one key: --set train.steps=100")
      ("help-keys", "list every config key with its type, default and meaning")
      ("table", "print an aligned key/value table instead of YAML");
  po::variables_map values;
  if (!parse_args("synthview config --config FILE [--set key=value ...] [--table] | --help-keys", args, options,
                  {}, values)) {
    return 0;
  }
  if (values.count("help-keys")) {
    for (const auto& key : config_keys()) {
      std::cout << std::left << std::setw(26) << key.key << " " << std::setw(34) << key.type << " default "
                << (key.default_value.empty() ? "\"\"" : key.default_value) << "\n"
                << std::string(27, ' ') << key.description << "\n";
    }
    return 0;
  }
  if (!values.count("config")) {
    throw InputError("synthview config: --config FILE is required (or --help-keys)");
  }
  Config config = config_from_args(values);
  std::cout << (values.count("table") ? config_to_table(config) : config_to_yaml(config));
  return 0;
}

}  // namespace synthview::cli
