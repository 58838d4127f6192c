#include "train/agreement.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "core/error.h"
#include "dist/arrival.h"
#include "dist/gradient_reducer.h"
#include "optim/state_tensors.h"

namespace synthview::train {
namespace {

using NamedTensors = ckpt::NamedTensors;

// Rank 0's `tensor` on every rank (the others pass one of the same shape and dtype). Goes through the
// communicator's device, so it works for NCCL too; returns a tensor on that device.
torch::Tensor from_rank0(dist::Communicator& comm, const torch::Tensor& tensor) {
  torch::Tensor buffer = tensor.detach().to(comm.device(), /*non_blocking=*/false, /*copy=*/true).contiguous();
  if (buffer.numel() > 0) comm.broadcast(buffer, 0);
  return buffer;
}

std::string text_from_rank0(dist::Communicator& comm, const std::string& text) {
  torch::Tensor size = torch::tensor({static_cast<int64_t>(text.size())});
  const int64_t length = from_rank0(comm, size).cpu().item<int64_t>();
  torch::Tensor bytes = torch::empty({length}, torch::kUInt8);
  if (comm.rank() == 0) std::memcpy(bytes.data_ptr(), text.data(), text.size());
  bytes = from_rank0(comm, bytes).cpu();
  return std::string(static_cast<const char*>(bytes.data_ptr()), static_cast<size_t>(length));
}

// One line per tensor, "name<TAB>dtype<TAB>d0,d1,..." (parameter names hold neither tabs nor newlines).
std::string manifest_of(const NamedTensors& tensors) {
  std::ostringstream out;
  for (const auto& [name, tensor] : tensors) {
    out << name << '\t' << static_cast<int>(tensor.scalar_type()) << '\t';
    for (int64_t d = 0; d < tensor.dim(); ++d) out << (d ? "," : "") << tensor.size(d);
    out << '\n';
  }
  return out.str();
}

NamedTensors allocate(const std::string& manifest, torch::Device device) {
  NamedTensors tensors;
  std::istringstream lines(manifest);
  std::string name, dtype, dims;
  while (std::getline(lines, name, '\t') && std::getline(lines, dtype, '\t') && std::getline(lines, dims)) {
    std::vector<int64_t> shape;
    std::istringstream parts(dims);
    for (std::string dim; std::getline(parts, dim, ',');) shape.push_back(std::stoll(dim));
    auto type = static_cast<torch::ScalarType>(std::stoi(dtype));
    tensors.emplace_back(name, torch::empty(shape, torch::TensorOptions().dtype(type).device(device)));
  }
  return tensors;
}

NamedTensors named_from_rank0(dist::Communicator& comm, const NamedTensors& on_rank0) {
  const std::string manifest = text_from_rank0(comm, comm.rank() == 0 ? manifest_of(on_rank0) : std::string());
  NamedTensors tensors = comm.rank() == 0 ? on_rank0 : allocate(manifest, comm.device());
  for (auto& entry : tensors) entry.second = from_rank0(comm, entry.second);
  return tensors;
}

void share_history(dist::Communicator& comm, ckpt::MetricHistory& history) {
  std::string names;
  for (const auto& column : history.columns) names += column.first + "\n";
  std::vector<std::string> columns;
  std::istringstream lines(text_from_rank0(comm, names));
  for (std::string name; std::getline(lines, name);) columns.push_back(name);
  torch::Tensor row_count = torch::tensor({static_cast<int64_t>(history.steps.size())});
  const int64_t rows = from_rank0(comm, row_count).cpu().item<int64_t>();
  const auto cols = static_cast<int64_t>(columns.size());

  torch::Tensor steps = torch::zeros({rows}, torch::kInt64);
  torch::Tensor values = torch::zeros({cols, rows}, torch::kFloat64);
  if (comm.rank() == 0 && rows > 0) {
    steps = torch::tensor(history.steps, torch::kInt64);
    for (int64_t c = 0; c < cols; ++c) values[c].copy_(torch::tensor(history.columns[c].second, torch::kFloat64));
  }
  steps = from_rank0(comm, steps).cpu();
  values = from_rank0(comm, values).cpu();
  if (comm.rank() == 0) return;
  history = ckpt::MetricHistory();
  history.steps.assign(steps.data_ptr<int64_t>(), steps.data_ptr<int64_t>() + rows);
  for (int64_t c = 0; c < cols; ++c) {
    torch::Tensor column = values[c].contiguous();
    const double* first = column.data_ptr<double>();
    history.columns.emplace_back(columns[c], std::vector<double>(first, first + rows));
  }
}

NamedTensors named(const torch::OrderedDict<std::string, torch::Tensor>& dict) {
  NamedTensors tensors;
  for (const auto& item : dict) tensors.emplace_back(item.key(), item.value());
  return tensors;
}

std::string hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016" PRIx64, value);
  return text;
}

}  // namespace

void share_rank0_state(Components& parts, ckpt::MetricHistory& history, int64_t& step, int64_t& samples_drawn) {
  dist::Communicator& comm = *parts.comm;
  if (comm.size() == 1) return;
  torch::Tensor counters = from_rank0(comm, torch::tensor({step, samples_drawn})).cpu();
  step = counters[0].item<int64_t>();
  samples_drawn = counters[1].item<int64_t>();
  dist::broadcast_module(comm, *parts.model);
  const auto params = parts.model->named_parameters();
  NamedTensors optimizer_state = named_from_rank0(
      comm, comm.rank() == 0 ? optim::state_tensors(*parts.optimizer, params) : NamedTensors());
  if (comm.rank() != 0) optim::load_state_tensors(*parts.optimizer, params, optimizer_state);
  share_history(comm, history);
}

uint64_t checksum(const NamedTensors& tensors) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a over 64-bit words: any single change changes the result
  auto mix = [&hash](const void* data, size_t bytes) {
    const auto* p = static_cast<const unsigned char*>(data);
    size_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      hash = (hash ^ word) * 0x100000001b3ULL;
    }
    for (; i < bytes; ++i) hash = (hash ^ p[i]) * 0x100000001b3ULL;
  };
  auto mix_int = [&mix](int64_t value) { mix(&value, sizeof(value)); };
  for (const auto& [name, tensor] : tensors) {
    mix_int(static_cast<int64_t>(name.size()));
    mix(name.data(), name.size());
    mix_int(static_cast<int64_t>(tensor.scalar_type()));
    mix_int(tensor.dim());
    for (int64_t size : tensor.sizes()) mix_int(size);
    torch::Tensor bytes = tensor.detach().cpu().contiguous();
    mix(bytes.data_ptr(), bytes.nbytes());
  }
  return hash;
}

void check_ranks_agree(const Components& parts, int64_t step, int64_t samples_drawn) {
  dist::Communicator& comm = *parts.comm;
  if (comm.size() == 1) return;
  const auto params = parts.model->named_parameters();
  const uint64_t checksums[] = {checksum(named(params)), checksum(named(parts.model->named_buffers())),
                                checksum(optim::state_tensors(*parts.optimizer, params))};
  torch::Tensor row = torch::tensor({step, samples_drawn, static_cast<int64_t>(checksums[0]),
                                     static_cast<int64_t>(checksums[1]), static_cast<int64_t>(checksums[2])});
  torch::Tensor rows = comm.all_gather(row.to(comm.device()).unsqueeze(0)).cpu();  // [W, 5]
  const char* fields[] = {"step", "samples_drawn", "parameters", "buffers", "optimizer state"};
  std::vector<int> differing;
  std::string details;
  for (int r = 1; r < comm.size(); ++r) {
    std::string what;
    for (int f = 0; f < 5; ++f) {
      const auto theirs = rows[r][f].item<int64_t>(), root = rows[0][f].item<int64_t>();
      if (theirs == root) continue;
      auto show = [f](int64_t v) { return f < 2 ? std::to_string(v) : "checksum " + hex(static_cast<uint64_t>(v)); };
      what += str(what.empty() ? "" : ", ", fields[f], " ", show(theirs), " (rank 0: ", show(root), ")");
    }
    if (what.empty()) continue;
    differing.push_back(r);
    details += str(details.empty() ? "" : "; ", "rank ", r, " has ", what);
  }
  if (differing.empty()) return;
  throw DistributedError(str("rank(s) ", dist::rank_list(differing), " disagree with rank 0 on the training state: ",
                             details, "; every rank must train from rank 0's state"));
}

}  // namespace synthview::train
