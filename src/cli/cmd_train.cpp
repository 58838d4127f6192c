// `synthview train`: one contrastive training run on every rank of the MPI job.
#include <iostream>

#include "cli/command.h"
#include "core/error.h"
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
    train::run_training(config, run_options);
    return 0;
  });
}

}  // namespace synthview::cli
