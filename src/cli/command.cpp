#include "cli/command.h"

#include <unistd.h>

#include <csignal>
#include <cstring>
#include <iostream>

#include "core/error.h"
#include "dist/mpi_runtime.h"

namespace synthview::cli {
namespace {

volatile std::sig_atomic_t decided_exit_code = 0;

extern "C" void exit_with_decided_code(int) { _exit(decided_exit_code); }

}  // namespace

void exit_with_on_signal(int exit_code) {
  std::cout.flush();
  decided_exit_code = exit_code;
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = exit_with_decided_code;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGTERM, SIGINT}) sigaction(signal, &action, nullptr);  // best effort: no error to report
}

bool parse_args(const std::string& usage, const std::vector<std::string>& args, po::options_description& options,
                const po::positional_options_description& positional, po::variables_map& values) {
  options.add_options()("help,h", "show this help");
  std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    po::store(po::command_line_parser(rest).options(options).positional(positional).run(), values);
    if (values.count("help")) {
      std::cout << "usage: " << usage << "\n\n" << options << "\n";
      return false;
    }
    po::notify(values);
  } catch (const po::error& e) {
    throw InputError(str("synthview ", args[0], ": ", e.what(), " (see synthview ", args[0], " --help)"));
  }
  return true;
}

void add_config_options(po::options_description& options) {
  options.add_options()
      ("config,c", po::value<std::string>()->required(), "YAML config file (see configs/)")
      ("set,s", po::value<std::vector<std::string>>()->composing(),
       "override one key: --set train.steps=100 (repeatable; `synthview config --help-keys` lists keys)");
}

Config config_from_args(const po::variables_map& values) {
  std::vector<std::string> overrides;
  if (values.count("set")) overrides = values["set"].as<std::vector<std::string>>();
  return load_config(values["config"].as<std::string>(), overrides);
}

std::string command_line_of(const std::vector<std::string>& args) {
  std::string line = "synthview";
  for (const auto& arg : args) line += " " + arg;
  return line;
}

int run_with_mpi(const std::function<int()>& body) {
  dist::MpiRuntime mpi;
  ExitCode code = ExitCode::kFailure;
  std::string message;
  try {
    return body();
  } catch (const Error& e) {
    code = e.code();
    message = e.what();
  } catch (const std::exception& e) {
    message = e.what();
  }
  exit_with_on_signal(static_cast<int>(code));
  int world = 1, rank = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &world);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::cerr << "synthview: error: " << message << (world > 1 ? str(" [rank ", rank, " of ", world, "]") : "")
            << std::endl;
  if (world > 1) dist::abort_world(static_cast<int>(code), message);
  return static_cast<int>(code);
}

}  // namespace synthview::cli
