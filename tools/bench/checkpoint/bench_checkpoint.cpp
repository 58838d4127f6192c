// bench_checkpoint: a ResNet-50 checkpoint with SGD momentum state, saved as the trainer saves it: the
// "stall" (what the step loop waits for: deep host copies of the state and the start of the background
// write) and the "write" (the background AsyncCheckpointWriter's HDF5 image, write, fsync, rename),
// against raw fwrite+fsync of the same bytes in the same folder; then read and verify against raw fread
// (warm page cache).
//   bench_checkpoint [--dir /tmp] [--repeats 3]
#include <boost/program_options.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "ckpt/async_writer.h"
#include "ckpt/checkpoint.h"
#include "core/allocator.h"
#include "h5/global_heap.h"
#include "model/resnet.h"

namespace po = boost::program_options;
using namespace synthview;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <typename Fn>
double median_seconds(int repeats, Fn&& fn) {
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(seconds_since(start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void raw_write(const std::string& path, const ckpt::NamedTensors& tensors) {
  FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr) throw std::runtime_error("cannot create " + path);
  for (const auto& [name, tensor] : tensors) {
    std::fwrite(tensor.data_ptr(), tensor.element_size(), size_t(tensor.numel()), out);
  }
  std::fflush(out);
  if (fsync(fileno(out)) != 0) throw std::runtime_error("fsync failed on " + path);
  std::fclose(out);
}

void raw_read(const std::string& path, ckpt::NamedTensors& tensors) {
  FILE* in = std::fopen(path.c_str(), "rb");
  if (in == nullptr) throw std::runtime_error("cannot open " + path);
  for (auto& [name, tensor] : tensors) {
    if (std::fread(tensor.data_ptr(), tensor.element_size(), size_t(tensor.numel()), in) != size_t(tensor.numel())) {
      throw std::runtime_error("short read of " + path);
    }
  }
  std::fclose(in);
}

}  // namespace

int main(int argc, char** argv) {
  synthview::configure_allocator();  // as the synthview binary does
  po::options_description options("bench_checkpoint options");
  options.add_options()("help,h", "show this help")(
      "dir", po::value<std::string>()->default_value(std::filesystem::temp_directory_path().string()),
      "folder to write in (the disk under test)")("repeats", po::value<int>()->default_value(3), "timed repeats");
  po::variables_map values;
  po::store(po::parse_command_line(argc, argv, options), values);
  if (values.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  const std::string dir = values["dir"].as<std::string>();
  const int repeats = values["repeats"].as<int>();

  model::ResNet encoder(model::resnet_spec("resnet50"), 3, model::Stem::kImageNet, model::batch_norm_factory());
  ckpt::Checkpoint c;
  int64_t params = 0;
  for (auto& item : encoder->named_parameters()) {
    c.model.encoder.emplace_back(item.key(), item.value().detach());
    c.optim.tensors.emplace_back("encoder." + item.key() + "/momentum_buffer", torch::randn_like(item.value()));
    params += item.value().numel();
  }
  for (auto& item : encoder->named_buffers()) c.model.encoder_buffers.emplace_back(item.key(), item.value());
  c.optim.name = "sgd";
  ckpt::NamedTensors all = c.model.encoder;
  all.insert(all.end(), c.model.encoder_buffers.begin(), c.model.encoder_buffers.end());
  all.insert(all.end(), c.optim.tensors.begin(), c.optim.tensors.end());
  int64_t bytes = 0;
  for (const auto& [name, tensor] : all) bytes += tensor.numel() * tensor.element_size();

  const std::string ckpt_path = dir + "/bench_checkpoint.h5", raw_path = dir + "/bench_checkpoint.raw";
  // As the trainer does: copy (the stall), then the background write, waited for here to time it.
  ckpt::AsyncCheckpointWriter writer;
  std::vector<double> stalls, writes;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    ckpt::Checkpoint copy = c;
    copy.model.encoder = ckpt::host_copies(c.model.encoder);
    copy.model.encoder_buffers = ckpt::host_copies(c.model.encoder_buffers);
    copy.optim.tensors = ckpt::host_copies(c.optim.tensors);
    writer.start(ckpt_path, std::move(copy));
    stalls.push_back(seconds_since(start));
    auto write_start = std::chrono::steady_clock::now();
    writer.wait();
    writes.push_back(seconds_since(write_start));
  }
  std::sort(stalls.begin(), stalls.end());
  std::sort(writes.begin(), writes.end());
  const double stall_s = stalls[stalls.size() / 2], write_s = writes[writes.size() / 2];
  double read_s = median_seconds(repeats, [&] { ckpt::read_checkpoint(ckpt_path); });
  double verify_s = median_seconds(repeats, [&] { ckpt::verify_checkpoint(ckpt_path); });
  double heap_check_s = median_seconds(repeats, [&] { h5::check_global_heaps_in_file(ckpt_path); });
  double raw_write_s = median_seconds(repeats, [&] { raw_write(raw_path, all); });
  ckpt::NamedTensors buffers;
  for (const auto& [name, tensor] : all) buffers.emplace_back(name, torch::empty_like(tensor));
  double raw_read_s = median_seconds(repeats, [&] { raw_read(raw_path, buffers); });
  const double file_mb = double(std::filesystem::file_size(ckpt_path)) / 1e6;
  std::filesystem::remove(ckpt_path);
  std::filesystem::remove(raw_path);

  const double mb = double(bytes) / 1e6;
  std::printf("ResNet-50 encoder %.2fM params + momentum: %zu tensors, %.1f MB payload, %.1f MB file (dir %s)\n",
              params / 1e6, all.size(), mb, file_mb, dir.c_str());
  std::printf("median of %d: stall %.3f s (host copy of the state + start of the write: what the step waits)\n",
              repeats, stall_s);
  std::printf("median of %d: write %.3f s (%.0f MB/s, background), raw fwrite+fsync %.3f s (%.0f MB/s), ratio %.2f\n",
              repeats, write_s, mb / write_s, raw_write_s, mb / raw_write_s, write_s / raw_write_s);
  std::printf("median of %d: read_checkpoint %.3f s (%.0f MB/s), raw fread %.3f s (%.0f MB/s), ratio %.2f (warm cache)\n",
              repeats, read_s, mb / read_s, raw_read_s, mb / raw_read_s, read_s / raw_read_s);
  std::printf("verify_checkpoint %.3f s; the global-heap walk both run first (h5/global_heap.h) %.3f s\n", verify_s,
              heap_check_s);
  return 0;
}
