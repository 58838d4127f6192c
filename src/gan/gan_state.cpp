#include "gan/gan_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "h5/h5.h"
#include "h5/module_io.h"
#include "optim/state_tensors.h"

namespace synthview::gan {
namespace {

// 2: /generator_ema added (version 1 files, without it, still load).
constexpr int64_t kFormatVersion = 2;

void fsync_fd_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) throw Error(synthview::str("cannot open '", path, "' for fsync: ", std::strerror(errno)));
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) throw Error(synthview::str("fsync of '", path, "' failed: ", std::strerror(saved)));
}

void write_optimizer(h5::File& file, const std::string& group, torch::optim::Optimizer& optimizer,
                     torch::nn::Module& module) {
  h5::create_group(file, group);
  for (const auto& [name, tensor] : optim::state_tensors(optimizer, module.named_parameters())) {
    h5::write_tensor(file, group + "/" + name, tensor);
  }
}

void restore_module(h5::File& file, const std::string& group, torch::nn::Module& module) {
  std::vector<std::string> problems = h5::read_module(file, group, module);
  if (!problems.empty()) {
    throw InputError(synthview::str("GAN state '", file.path(), "' ", group, " does not match this config: ",
                                    h5::join(problems)));
  }
}

void read_optimizer(h5::File& file, const std::string& group, torch::optim::Optimizer& optimizer,
                    torch::nn::Module& module) {
  optim::NamedTensors entries;
  for (const auto& name : h5::list_datasets(file, group)) entries.emplace_back(name, h5::read_tensor(file, group + "/" + name));
  optim::load_state_tensors(optimizer, module.named_parameters(), entries);
}

}  // namespace

std::string state_path(const Config& config) { return config.gan.out + ".state.h5"; }

void fsync_file(const std::string& path) { fsync_fd_path(path, O_RDONLY); }

void commit_file(const std::string& temporary, const std::string& path) {
  fsync_file(temporary);
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) throw Error(synthview::str("cannot rename '", temporary, "' to '", path, "': ", error.message()));
  std::filesystem::path folder = std::filesystem::absolute(path).parent_path();
  fsync_fd_path(folder.string(), O_RDONLY | O_DIRECTORY);
}

void write_gan_state(const std::string& path, const GanState& state, const Config& config, const std::string& command,
                     int world_size) {
  const std::string temporary = path + ".tmp";
  {
    h5::File file = h5::File::create(temporary);
    h5::write_attr(file, "/gan", "format_version", kFormatVersion);
    h5::write_attr(file, "/gan", "step", state.step);
    h5::write_attr(file, "/gan", "seed", config.seed);
    h5::write_attr(file, "/gan", "world_size", world_size);
    h5::write_attr(file, "/gan", "config", config_to_yaml(config));
    h5::write_attr(file, "/gan", "command", command);
    h5::write_module(file, "/generator", *state.generator);
    if (state.generator_ema) h5::write_module(file, "/generator_ema", *state.generator_ema);
    h5::write_module(file, "/discriminator", *state.discriminator);
    write_optimizer(file, "/optim_g", *state.optim_g, *state.generator);
    write_optimizer(file, "/optim_d", *state.optim_d, *state.discriminator);
    file.flush();
    file.close();
  }
  commit_file(temporary, path);
}

void read_gan_state(const std::string& path, GanState& state) {
  if (!std::filesystem::exists(path)) {
    throw InputError(synthview::str("--resume '", path, "' does not exist (expected a <gan.out>.state.h5 file)"));
  }
  h5::File file = h5::File::open_read(path);
  if (!h5::exists(file, "/gan")) throw InputError(synthview::str("'", path, "' has no /gan group (not a GAN state file?)"));
  int64_t version = h5::read_attr_int(file, "/gan", "format_version");
  if (version < 1 || version > kFormatVersion) {
    throw InputError(synthview::str("GAN state '", path, "' has format_version ", version, " (expected 1 to ",
                                    kFormatVersion, ")"));
  }
  restore_module(file, "/generator", *state.generator);
  const bool stored_ema = h5::exists(file, "/generator_ema");
  if (stored_ema != (state.generator_ema != nullptr)) {
    throw InputError(synthview::str("GAN state '", path, "' ", stored_ema ? "holds" : "has no",
                                    " /generator_ema but this config has gan.ema ", stored_ema ? "= 0" : "> 0",
                                    " (resume with the gan.ema setting of the run that wrote it)"));
  }
  if (stored_ema) restore_module(file, "/generator_ema", *state.generator_ema);
  restore_module(file, "/discriminator", *state.discriminator);
  read_optimizer(file, "/optim_g", *state.optim_g, *state.generator);
  read_optimizer(file, "/optim_d", *state.optim_d, *state.discriminator);
  state.step = h5::read_attr_int(file, "/gan", "step");
}

}  // namespace synthview::gan
