// `synthview ckpt info|verify|diff|export`: inspect, check, compare and export checkpoints.
// Exit codes: verify 0 (good) / 2 (corrupt, truncated, wrong format); diff 0 (every tensor within
// --tol; tol 0 = bit-identical), 1 (some differ), 2 (different tensor names or shapes).
#include <iomanip>
#include <iostream>

#include "ckpt/checkpoint.h"
#include "ckpt/diff.h"
#include "ckpt/export.h"
#include "cli/command.h"
#include "core/error.h"

namespace synthview::cli {

namespace {

constexpr const char* kUsage =
    "synthview ckpt info PATH | verify PATH | diff A B [--tol X] [--rtol R] | export PATH --out FILE";

int64_t tensor_bytes(const ckpt::NamedTensors& tensors) {
  int64_t bytes = 0;
  for (const auto& [name, tensor] : tensors) bytes += tensor.numel() * tensor.element_size();
  return bytes;
}

int64_t parameter_count(const ckpt::NamedTensors& tensors) {
  int64_t count = 0;
  for (const auto& [name, tensor] : tensors) count += tensor.numel();
  return count;
}

std::vector<std::string> positional_args(const std::string& action, const std::vector<std::string>& args,
                                         po::options_description& options, const std::vector<std::string>& names,
                                         po::variables_map& values, bool* help) {
  po::positional_options_description positional;
  for (const auto& name : names) {
    options.add_options()(name.c_str(), po::value<std::string>()->required(), name.c_str());
    positional.add(name.c_str(), 1);
  }
  std::vector<std::string> sub(args.begin() + 1, args.end());
  sub[0] = "ckpt " + action;
  *help = !parse_args(kUsage, sub, options, positional, values);
  std::vector<std::string> out;
  if (!*help) {
    for (const auto& name : names) out.push_back(values[name].as<std::string>());
  }
  return out;
}

int run_info(const std::string& path) {
  ckpt::Checkpoint c = ckpt::read_checkpoint(path);
  const ckpt::Meta& m = c.meta;
  std::cout << "checkpoint        " << path << "\n"
            << "format_version    " << m.format_version << "\n"
            << "created           " << m.created << "\n"
            << "synthview         " << m.synthview_version << " (git " << m.git_sha << ")\n"
            << "world_size        " << m.world_size << "\n"
            << "device            " << m.device << "\n"
            << "command_line      " << m.command_line << "\n"
            << "step              " << c.train.step << "\n"
            << "samples_drawn     " << c.train.samples_drawn << "\n"
            << "epoch_equivalents " << c.train.epoch_equivalents << "\n"
            << "lr                " << c.train.lr << "\n";
  if (!c.history.steps.empty()) {
    std::cout << "last metrics      step " << c.history.steps.back();
    for (const auto& [name, values] : c.history.columns) std::cout << "  " << name << " " << values.back();
    std::cout << "  (" << c.history.steps.size() << " rows)\n";
  }
  std::cout << "tensors           group, count, elements, bytes\n";
  auto row = [](const std::string& group, const ckpt::NamedTensors& tensors) {
    std::cout << "  " << std::left << std::setw(24) << group << std::right << std::setw(6) << tensors.size()
              << std::setw(14) << parameter_count(tensors) << std::setw(14) << tensor_bytes(tensors) << "\n";
  };
  row("model/encoder", c.model.encoder);
  row("model/head", c.model.head);
  row("model/buffers/encoder", c.model.encoder_buffers);
  row("model/buffers/head", c.model.head_buffers);
  row("optim (" + c.optim.name + ")", c.optim.tensors);
  row("rng", c.rng.states);
  std::cout << "config:\n" << c.config_yaml << (c.config_yaml.empty() || c.config_yaml.back() == '\n' ? "" : "\n");
  return 0;
}

int run_verify(const std::string& path) {
  ckpt::VerifyReport report = ckpt::verify_checkpoint(path);
  std::cout << "ok: " << path << " (format_version " << report.format_version << ", step " << report.step << ", "
            << report.datasets << " datasets, " << report.bytes << " bytes, checksums verified)\n";
  return 0;
}

int run_diff(const std::string& a_path, const std::string& b_path, double tol, double rtol) {
  if (tol < 0) throw InputError(str("synthview ckpt diff: --tol must be >= 0, got ", tol));
  if (rtol < 0) throw InputError(str("synthview ckpt diff: --rtol must be >= 0, got ", rtol));
  ckpt::Checkpoint a = ckpt::read_checkpoint(a_path), b = ckpt::read_checkpoint(b_path);
  ckpt::CheckpointDiff diff = ckpt::diff_checkpoints(a, b, tol, rtol);
  std::cout << std::left << std::setw(60) << "tensor" << std::right << std::setw(14) << "max_abs" << std::setw(14)
            << "max_rel" << std::setw(14) << "norm_rel" << "\n";
  int64_t differing = 0;
  for (const auto& t : diff.tensors) {
    std::cout << std::left << std::setw(60) << t.name << std::right;
    if (!t.comparable) {
      std::cout << "  shape or dtype differs: " << a_path << " vs " << b_path << "\n";
    } else {
      std::cout << std::setw(14) << std::setprecision(6) << t.max_abs << std::setw(14) << t.max_rel
                << std::setw(14) << t.norm_rel << (t.within ? "" : "  DIFFERS") << "\n";
    }
    differing += t.within ? 0 : 1;
  }
  for (const auto& name : diff.only_in_a) std::cout << "only in " << a_path << ": " << name << "\n";
  for (const auto& name : diff.only_in_b) std::cout << "only in " << b_path << ": " << name << "\n";
  for (const auto& line : diff.state_differences) std::cout << "train state differs: " << line << "\n";
  std::cout << differing << " of " << diff.tensors.size() << " common tensors differ (tol " << tol << ", rtol "
            << rtol << (tol == 0 && rtol == 0 ? ", bit-identical required" : "") << ")\n";
  if (!diff.same_tensor_set()) return static_cast<int>(ExitCode::kBadInput);
  return diff.all_within() ? 0 : 1;
}

int run_export(const std::string& path, const std::string& out) {
  ckpt::Checkpoint c = ckpt::read_checkpoint(path);
  ckpt::EncoderLayout layout = ckpt::export_torchvision(c, path, out);
  std::cout << "wrote " << out << ": " << layout.arch << " encoder, stem " << layout.stem << ", in_channels "
            << layout.in_channels << ", " << c.model.encoder.size() + c.model.encoder_buffers.size()
            << " tensors (load with tools/ckpt_to_torchvision.py)\n";
  return 0;
}

}  // namespace

int run_ckpt_command(const std::vector<std::string>& args) {
  const std::string action = args.size() > 1 ? args[1] : "";
  if (action.empty() || action == "--help" || action == "-h") {
    std::cout << "usage: " << kUsage << "\n\n"
              << "  info PATH            meta, config, step, samples_drawn, last metrics, tensor sizes\n"
              << "  verify PATH          layout and every checksum; exit 0 good, 2 corrupt/unreadable\n"
              << "  diff A B [--tol X] [--rtol R]\n"
              << "                       per-tensor max abs/rel and norm-relative difference; exit 0 all within\n"
              << "                       (default: bit-identical), 1 some differ, 2 different tensor names or shapes\n"
              << "  export PATH --out F  encoder as a torchvision ResNet state_dict in HDF5 (docs/checkpoint-format.md)\n";
    return action.empty() ? static_cast<int>(ExitCode::kBadInput) : 0;
  }
  po::options_description options("synthview ckpt " + action + " options");
  po::variables_map values;
  bool help = false;
  if (action == "info" || action == "verify") {
    auto paths = positional_args(action, args, options, {"path"}, values, &help);
    if (help) return 0;
    return action == "info" ? run_info(paths[0]) : run_verify(paths[0]);
  }
  if (action == "diff") {
    options.add_options()
        ("tol", po::value<double>()->default_value(0.0), "largest allowed max abs difference per tensor")
        ("rtol", po::value<double>()->default_value(0.0),
         "largest allowed ||a-b|| / max(||a||, ||b||) per tensor (tol = rtol = 0: bit-identical)");
    auto paths = positional_args(action, args, options, {"a", "b"}, values, &help);
    if (help) return 0;
    return run_diff(paths[0], paths[1], values["tol"].as<double>(), values["rtol"].as<double>());
  }
  if (action == "export") {
    options.add_options()("out,o", po::value<std::string>()->required(), "output HDF5 file");
    auto paths = positional_args(action, args, options, {"path"}, values, &help);
    if (help) return 0;
    return run_export(paths[0], values["out"].as<std::string>());
  }
  throw InputError(str("synthview ckpt: unknown action '", action, "' (expected info, verify, diff or export)"));
}

}  // namespace synthview::cli
