#include "h5/module_io.h"

#include <set>

#include "core/error.h"
#include "h5/dataset.h"

namespace synthview::h5 {

void write_module(File& file, const std::string& group, torch::nn::Module& module) {
  create_group(file, group);
  for (const auto& item : module.named_parameters()) write_tensor(file, group + "/" + item.key(), item.value().detach().cpu());
  for (const auto& item : module.named_buffers()) write_tensor(file, group + "/" + item.key(), item.value().cpu());
}

std::vector<std::string> read_module(File& file, const std::string& group, torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<std::string> stored = list_datasets(file, group);
  std::set<std::string> unused(stored.begin(), stored.end());
  std::vector<std::string> problems;
  auto restore = [&](const std::string& name, torch::Tensor& target) {
    if (!unused.erase(name)) return problems.push_back(name + " missing");
    torch::Tensor value = read_tensor(file, group + "/" + name);
    if (value.sizes() != target.sizes()) {
      return problems.push_back(synthview::str(name, " has shape ", value.sizes(), ", expected ", target.sizes()));
    }
    target.copy_(value.to(target.device(), target.dtype()));
  };
  for (auto& item : module.named_parameters()) restore(item.key(), item.value());
  for (auto& item : module.named_buffers()) restore(item.key(), item.value());
  for (const auto& name : unused) problems.push_back(name + " unexpected");
  return problems;
}

std::string join(const std::vector<std::string>& items) {
  std::string list;
  for (const auto& item : items) list += (list.empty() ? "" : "; ") + item;
  return list;
}

}  // namespace synthview::h5
