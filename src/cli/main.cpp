// synthview: one binary, git-style subcommands. Library code throws; this turns an exception
// into one line on stderr and the exit code of DESIGN.md (2 input, 3 distributed, 1 other).
#include <iostream>

#include "cli/command.h"
#include "core/allocator.h"
#include "core/blas_threads.h"
#include "core/error.h"

namespace synthview::cli {

int run_config_command(const std::vector<std::string>& args);
int run_sample_command(const std::vector<std::string>& args);
int run_train_command(const std::vector<std::string>& args);
int run_eval_command(const std::vector<std::string>& args);
int run_ckpt_command(const std::vector<std::string>& args);
int run_train_generator_command(const std::vector<std::string>& args);

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"train", "train a contrastive encoder on generated views (run under mpirun for several ranks)",
       run_train_command},
      {"eval", "linear probe and kNN of a checkpoint's encoder on real Fashion-MNIST", run_eval_command},
      {"sample", "write a PNG grid of anchors and their views (what views.sigma does)", run_sample_command},
      {"config", "print the resolved, validated config (or --help-keys for every key)", run_config_command},
      {"ckpt", "inspect, verify, diff or export checkpoints: ckpt info|verify|diff|export", run_ckpt_command},
      {"train-generator", "train the builtin generator as a GAN on Fashion-MNIST (--score-only: CAS)",
       run_train_generator_command},
  };
  return table;
}

void print_usage(std::ostream& out) {
  out << "usage: synthview <command> [options]   (synthview <command> --help for its options)\n\ncommands:\n";
  for (const auto& command : commands()) {
    out << "  " << command.name << std::string(18 - std::min<size_t>(17, command.name.size()), ' ')
        << command.summary << "\n";
  }
  // The trust model (docs/reliability.md), where users choose files made by others.
  out << "\nfiles from others: HDF5 checkpoints and generator weights are data (loading them runs no code, and\n"
         "malformed ones end with exit 2); a TorchScript generator (generator.kind=torchscript) is a program\n"
         "run by LibTorch's interpreter with your permissions: load only those you trust.\n";
}

}  // namespace synthview::cli

int main(int argc, char** argv) {
  using namespace synthview;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    cli::print_usage(std::cout);
    return args.empty() ? static_cast<int>(ExitCode::kBadInput) : 0;
  }
  if (args[0] == "--version") {
    std::cout << "synthview " << SYNTHVIEW_VERSION << "\n";
    return 0;
  }
  try {
    configure_allocator();
    pin_blas_threads();
    for (const auto& command : cli::commands()) {
      if (command.name == args[0]) return command.run(args);
    }
    throw InputError(str("unknown command '", args[0], "' (see synthview --help)"));
  } catch (const Error& e) {
    cli::exit_with_on_signal(static_cast<int>(e.code()));
    std::cerr << "synthview: error: " << e.what() << std::endl;
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    cli::exit_with_on_signal(static_cast<int>(ExitCode::kFailure));
    std::cerr << "synthview: error: " << e.what() << std::endl;
    return static_cast<int>(ExitCode::kFailure);
  }
}
