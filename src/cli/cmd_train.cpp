// `synthview train`: one contrastive training run on every rank of the MPI job.
#include <iostream>

#include "cli/command.h"
#include "core/error.h"
#include "train/stop_request.h"
#include "train/trainer.h"

namespace synthview::cli {

int run_train_command(const std::vector<std::string>& args) {
  po::options_description options("synthview train options");
  add_config_options(options);
  options.add_options()
      ("resume,r", po::value<std::string>()->default_value(""),
       "continue from a checkpoint: 'auto' (newest good one in run.dir) or a path");
  po::variables_map values;
  if (!parse_args("mpirun -np N synthview train --config FILE [--set key=value ...] [--resume auto|PATH]", args,
                  options, {}, values)) {
    return 0;
  }
  Config config = config_from_args(values);
  train::RunOptions run_options{values["resume"].as<std::string>(), command_line_of(args)};
  return run_with_mpi([&] {
    train::RunSummary summary = train::run_training(config, run_options);
    int exit_code = summary.stopped_by_signal != 0 ? train::kStoppedExitCode : 0;
    exit_with_on_signal(exit_code);  // the checkpoint is on disk: being killed now changes nothing
    return exit_code;
  });
}

}  // namespace synthview::cli
