#include "ckpt/diff.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "core/error.h"

namespace synthview::ckpt {

namespace {

void append(NamedTensors& out, const std::string& prefix, const NamedTensors& tensors) {
  for (const auto& [name, tensor] : tensors) out.emplace_back(prefix + name, tensor);
}

bool bit_identical(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
  torch::Tensor ca = a.cpu().contiguous(), cb = b.cpu().contiguous();
  return std::memcmp(ca.data_ptr(), cb.data_ptr(), size_t(ca.numel()) * ca.element_size()) == 0;
}

}  // namespace

NamedTensors all_tensors(const Checkpoint& c) {
  NamedTensors out;
  append(out, "model/encoder/", c.model.encoder);
  append(out, "model/head/", c.model.head);
  append(out, "model/buffers/encoder/", c.model.encoder_buffers);
  append(out, "model/buffers/head/", c.model.head_buffers);
  append(out, "optim/", c.optim.tensors);
  append(out, "rng/", c.rng.states);
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  return out;
}

TensorDiff diff_tensors(const std::string& name, const torch::Tensor& a, const torch::Tensor& b, double tol,
                        double rtol) {
  TensorDiff diff;
  diff.name = name;
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) {
    diff.comparable = false;
    diff.within = false;
    return diff;
  }
  if (a.numel() > 0) {
    torch::Tensor x = a.cpu().to(torch::kFloat64), y = b.cpu().to(torch::kFloat64);
    torch::Tensor abs_diff = (x - y).abs();
    abs_diff.masked_fill_(x == y, 0);                         // inf == inf
    abs_diff.masked_fill_(x.isnan().logical_and(y.isnan()), 0);  // NaN in both places
    abs_diff.masked_fill_(abs_diff.isnan(), std::numeric_limits<double>::infinity());
    torch::Tensor scale = torch::maximum(x.abs(), y.abs());
    torch::Tensor rel = torch::where(abs_diff == 0, torch::zeros_like(abs_diff), abs_diff / scale);
    rel.masked_fill_(rel.isnan(), std::numeric_limits<double>::infinity());
    diff.max_abs = abs_diff.max().item<double>();
    diff.max_rel = rel.max().item<double>();
    double norm_scale = std::max(x.norm().item<double>(), y.norm().item<double>());
    double norm_diff = abs_diff.norm().item<double>();
    diff.norm_rel = norm_diff == 0 ? 0 : norm_diff / norm_scale;
    if (std::isnan(diff.norm_rel)) diff.norm_rel = std::numeric_limits<double>::infinity();
  }
  if (tol == 0 && rtol == 0) {
    diff.within = bit_identical(a, b);
  } else {
    diff.within = (tol == 0 || diff.max_abs <= tol) && (rtol == 0 || diff.norm_rel <= rtol);
  }
  return diff;
}

CheckpointDiff diff_checkpoints(const Checkpoint& a, const Checkpoint& b, double tol, double rtol) {
  CheckpointDiff result;
  NamedTensors ta = all_tensors(a), tb = all_tensors(b);
  std::map<std::string, const torch::Tensor*> in_b;
  for (const auto& [name, tensor] : tb) in_b[name] = &tensor;
  for (const auto& [name, tensor] : ta) {
    auto it = in_b.find(name);
    if (it == in_b.end()) {
      result.only_in_a.push_back(name);
    } else {
      result.tensors.push_back(diff_tensors(name, tensor, *it->second, tol, rtol));
      in_b.erase(it);
    }
  }
  for (const auto& [name, tensor] : in_b) result.only_in_b.push_back(name);
  if (a.train.step != b.train.step) result.state_differences.push_back(str("step: ", a.train.step, " vs ", b.train.step));
  if (a.train.samples_drawn != b.train.samples_drawn) {
    result.state_differences.push_back(str("samples_drawn: ", a.train.samples_drawn, " vs ", b.train.samples_drawn));
  }
  return result;
}

bool CheckpointDiff::same_tensor_set() const {
  if (!only_in_a.empty() || !only_in_b.empty()) return false;
  return std::all_of(tensors.begin(), tensors.end(), [](const TensorDiff& d) { return d.comparable; });
}

bool CheckpointDiff::all_within() const {
  return same_tensor_set() && state_differences.empty() &&
         std::all_of(tensors.begin(), tensors.end(), [](const TensorDiff& d) { return d.within; });
}

}  // namespace synthview::ckpt
