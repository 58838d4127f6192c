// Resume state of `synthview train-generator`, one HDF5 file written atomically (temp file in the same folder,
// flush, fsync, rename, fsync of the folder):
//   /gan                 attrs: format_version, step, seed, world_size, config (resolved YAML), command
//   /generator/<name>    generator parameters and buffers (BN statistics averaged over ranks)
//   /generator_ema/<name> the EMA generator's parameters and buffers (only with gan.ema > 0)
//   /discriminator/<name> discriminator parameters and buffers (spectral-norm u, v)
//   /optim_g/<param>/<exp_avg|exp_avg_sq|step>, /optim_d/...   Adam state (optim/state_tensors.h)
// The generator also goes to gan.out through save_builtin_generator (what `sample` and `train` load).
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/config.h"

namespace synthview::gan {

struct GanState {
  torch::nn::Module* generator = nullptr;
  torch::nn::Module* generator_ema = nullptr;  // null: the run keeps no EMA
  torch::nn::Module* discriminator = nullptr;
  torch::optim::Optimizer* optim_g = nullptr;
  torch::optim::Optimizer* optim_d = nullptr;
  int64_t step = 0;
};

// <gan.out>.state.h5
std::string state_path(const Config& config);

void write_gan_state(const std::string& path, const GanState& state, const Config& config, const std::string& command,
                     int world_size);
// Restores modules, optimizers and step in place; a missing file, a tensor of another shape, a missing
// or unexpected tensor, or an EMA present in one of file and state but not the other is an InputError naming
// the path and the tensors.
void read_gan_state(const std::string& path, GanState& state);

// Temp file + fsync + rename + fsync of the folder: `path` is the old file or the complete new one.
void fsync_file(const std::string& path);
void commit_file(const std::string& temporary, const std::string& path);

}  // namespace synthview::gan
