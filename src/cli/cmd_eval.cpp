// `synthview eval`: linear probe and kNN on real Fashion-MNIST for a checkpoint's encoder, and with
// --baselines beside an untrained encoder of the same shape and raw pixels.
#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "core/error.h"
#include "dist/communicator.h"
#include "train/evaluate.h"

namespace synthview::cli {
namespace {

std::string title(const eval::EvalReport& report) {
  if (report.subject == "pixels") return "raw pixels";
  return report.random_init ? std::string("random-init encoder") : "checkpoint " + report.checkpoint;
}

void print_table(const eval::EvalReport& report) {
  std::cout << std::fixed << std::setprecision(2);
  std::cout << title(report) << ": " << report.feature_dim << "-d features of " << report.train_count << " train / "
            << report.test_count << " " << report.split << " images (" << report.feature_seconds << " s)\n";
  if (report.linear) {
    std::cout << "  linear probe  top1 " << 100 * report.linear->test.top1 << " %  top5 "
              << 100 * report.linear->test.top5 << " %  (train top1 " << 100 * report.linear->train.top1
              << " %, " << report.linear_seconds << " s)\n";
  }
  for (const auto& score : report.knn) {
    std::cout << "  kNN k=" << std::left << std::setw(4) << score.k << std::right << "  top1 "
              << 100 * score.test.top1 << " %  top5 " << 100 * score.test.top5 << " %\n";
  }
}

// One row per subject, test top-1 of each probe: the comparison --baselines is for.
void print_side_by_side(const std::vector<eval::EvalReport>& reports) {
  const std::vector<std::string> labels{"trained encoder", "untrained encoder", "raw pixels"};
  std::cout << "\n" << reports[0].split << " top-1 (%)        " << (reports[0].linear ? "  linear" : "");
  for (const auto& score : reports[0].knn) {
    std::cout << "  kNN k=" << std::left << std::setw(3) << score.k << std::right;
  }
  std::cout << "\n";
  for (const auto& report : reports) {
    const std::string& label = report.subject == "pixels" ? labels[2] : labels[report.random_init ? 1 : 0];
    std::cout << "  " << std::left << std::setw(20) << label << std::right;
    if (report.linear) std::cout << std::setw(8) << 100 * report.linear->test.top1;
    for (const auto& score : report.knn) std::cout << std::setw(11) << 100 * score.test.top1;
    std::cout << "\n";
  }
}

}  // namespace

int run_eval_command(const std::vector<std::string>& args) {
  po::options_description options("synthview eval options");
  options.add_options()
      ("ckpt", po::value<std::string>(), "checkpoint whose encoder is evaluated")
      ("probe", po::value<std::string>()->default_value("both"), "linear, knn or both")
      ("data", po::value<std::string>()->default_value("fashion-mnist"), "evaluation data (fashion-mnist)")
      ("data-path", po::value<std::string>()->default_value("/usr/share/datasets/fashion-mnist"),
       "folder with the Fashion-MNIST IDX files")
      ("random-init", "evaluate an untrained encoder of the architecture in --config (the floor)")
      ("config,c", po::value<std::string>(), "with --random-init: the config naming the architecture")
      ("set,s", po::value<std::vector<std::string>>()->composing(), "with --random-init: override a key")
      ("split", po::value<std::string>()->default_value("test"),
       "test: probes fit on the training images, scored on the test split; val: fit on train[0:50000], scored "
       "on train[50000:60000], for choosing a recipe without looking at test")
      ("train-limit", po::value<int64_t>()->default_value(0), "use only the first N images the probes fit on (0 = all)")
      ("test-limit", po::value<int64_t>()->default_value(0), "use only the first N images they are scored on (0 = all)")
      ("batch-size", po::value<int64_t>()->default_value(256), "images per feature batch")
      ("baselines", "also evaluate an untrained encoder of the same architecture and raw pixels, on the same "
                    "loaded images, and print the three side by side")
      ("json", "print one JSON object instead of a table");
  po::variables_map values;
  if (!parse_args("[mpirun -np N] synthview eval --ckpt PATH [--probe linear|knn|both] [--json] | "
                  "--random-init --config FILE [--baselines]",
                  args, options, {}, values)) {
    return 0;
  }
  train::EvalOptions eval_options;
  eval_options.random_init = values.count("random-init") > 0;
  if (eval_options.random_init == (values.count("ckpt") > 0)) {
    throw InputError("synthview eval: give exactly one of --ckpt PATH or --random-init --config FILE");
  }
  if (eval_options.random_init) {
    if (!values.count("config")) throw InputError("synthview eval: --random-init needs --config FILE");
    eval_options.config = config_from_args(values);
  } else {
    eval_options.checkpoint = values["ckpt"].as<std::string>();
  }
  const std::string probe = values["probe"].as<std::string>();
  if (probe != "linear" && probe != "knn" && probe != "both") {
    throw InputError(str("synthview eval: --probe '", probe, "' is not valid (expected linear, knn or both)"));
  }
  if (values["data"].as<std::string>() != "fashion-mnist") {
    throw InputError(str("synthview eval: --data '", values["data"].as<std::string>(),
                         "' is not supported (expected fashion-mnist)"));
  }
  eval_options.linear = probe != "knn";
  eval_options.knn = probe != "linear";
  eval_options.data_folder = values["data-path"].as<std::string>();
  eval_options.split = values["split"].as<std::string>();
  if (eval_options.split != "test" && eval_options.split != "val") {
    throw InputError(str("synthview eval: --split '", eval_options.split, "' is not valid (expected test or val)"));
  }
  eval_options.train_limit = values["train-limit"].as<int64_t>();
  eval_options.test_limit = values["test-limit"].as<int64_t>();
  eval_options.batch_size = values["batch-size"].as<int64_t>();
  eval_options.baselines = values.count("baselines") > 0;
  if (eval_options.train_limit < 0 || eval_options.test_limit < 0 || eval_options.batch_size < 1) {
    throw InputError("synthview eval: --train-limit and --test-limit must be >= 0 and --batch-size >= 1");
  }

  const bool json = values.count("json") > 0;
  return run_with_mpi([&] {
    auto comm = dist::make_communicator("mpi", torch::kCPU, 600);
    const std::vector<eval::EvalReport> reports = train::evaluate(eval_options, *comm);
    if (comm->rank() != 0) return 0;
    for (const auto& report : reports) {
      if (json) {
        std::cout << report.to_json() << std::endl;  // one line per subject
      } else {
        print_table(report);
      }
    }
    if (!json && reports.size() > 1) print_side_by_side(reports);
    return 0;
  });
}

}  // namespace synthview::cli
