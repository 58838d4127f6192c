// Subcommand plumbing shared by the `synthview` CLI: each subcommand is one function that
// receives its own arguments (argv[0] is the subcommand name) and returns an exit code.
#pragma once

#include <boost/program_options.hpp>

#include <string>
#include <vector>

#include "core/config.h"

namespace synthview::cli {

namespace po = boost::program_options;

struct Command {
  std::string name;
  std::string summary;
  int (*run)(const std::vector<std::string>& args);
};

const std::vector<Command>& commands();

// Parses args against options (positional names in order); prints help and returns false on --help.
// Unknown options and bad values become InputError.
bool parse_args(const std::string& usage, const std::vector<std::string>& args, po::options_description& options,
                const po::positional_options_description& positional, po::variables_map& values);

// --config FILE and repeatable --set key=value, shared by every command that reads a config.
void add_config_options(po::options_description& options);
Config config_from_args(const po::variables_map& values);

// "synthview <args...>", as recorded in checkpoints (args[0] is the subcommand).
std::string command_line_of(const std::vector<std::string>& args);

// Runs body with MPI up. An error is printed as the one `synthview: error:` line while MPI is still
// alive, and in a job of several ranks ends every rank at once (MPI_Abort with the error's exit code)
// instead of leaving the others blocked in a collective until the watchdog fires.
int run_with_mpi(const std::function<int()>& body);

// Once a process knows its exit code (an error printed, a run finished or stopped), SIGTERM/SIGINT
// make it _exit with that code. A launcher that kills the other ranks when the first one exits
// (srun --kill-on-bad-exit, mpirun) then reports the job's real code, not 143 for a rank that was
// terminated a moment before it would have exited the same way. Flushes std::cout first.
void exit_with_on_signal(int exit_code);

}  // namespace synthview::cli
