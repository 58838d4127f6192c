// A torch module's parameters and buffers as datasets of one HDF5 group, named as in the module tree
// ("block0.conv1.weight"). Shared by the generator weights file and the GAN training state.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "h5/file.h"

namespace synthview::h5 {

// Every parameter (detached) and buffer of `module` as <group>/<name>, copied to the CPU.
void write_module(File& file, const std::string& group, torch::nn::Module& module);

// Restores every parameter and buffer of `module` in place from <group>/<name>. Returns what did not match
// ("x missing", "y has shape [..], expected [..]", "z unexpected"), empty when everything did; tensors
// that match are restored either way.
std::vector<std::string> read_module(File& file, const std::string& group, torch::nn::Module& module);

// "a; b; c"
std::string join(const std::vector<std::string>& items);

}  // namespace synthview::h5
