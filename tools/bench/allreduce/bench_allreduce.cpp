// All-reduce bandwidth by message size, then backward time of a ResNet-ish model with gradient bucketing
// with and without overlap. Run: mpirun -np 2 bench_allreduce [--max-mb 64] [--bucket-mb 4] [--iters 5]
// algbw = bytes / time; busbw = algbw * 2 (W-1) / W (the bytes each rank moves in a ring, as nccl-tests).
#include <boost/program_options.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "dist/communicator.h"
#include "dist/gradient_reducer.h"
#include "dist/mpi_runtime.h"

namespace {

using namespace synthview;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The slowest rank's time is the collective's time.
double slowest(dist::Communicator& comm, double seconds) {
  auto t = torch::tensor({seconds}, torch::kDouble);
  comm.all_reduce(t, dist::kMax);
  return t.item<double>();
}

void bandwidth_table(dist::Communicator& comm, double max_mb) {
  const int world = comm.size();
  if (comm.rank() == 0) {
    std::printf("all_reduce float32, %d ranks, backend %s (mpi_us: plain blocking MPI_Allreduce, for reference)\n"
                "%12s %8s %12s %12s %12s %12s\n", world, comm.backend().c_str(), "bytes", "reps", "time_us",
                "algbw_GB/s", "busbw_GB/s", "mpi_us");
  }
  for (int64_t bytes = 4096; bytes <= static_cast<int64_t>(max_mb * (1 << 20)); bytes *= 4) {
    auto tensor = torch::ones({bytes / 4});
    comm.all_reduce(tensor);  // warm-up
    const int reps = static_cast<int>(std::clamp<int64_t>((64 << 20) / bytes, 3, 200));
    comm.barrier();
    const auto start = Clock::now();
    for (int i = 0; i < reps; ++i) comm.all_reduce(tensor);
    const double per_op = slowest(comm, seconds_since(start)) / reps;
    const double algbw = bytes / per_op / 1e9;
    comm.barrier();
    const auto mpi_start = Clock::now();
    for (int i = 0; i < reps; ++i) {
      SV_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, tensor.data_ptr(), static_cast<int>(tensor.numel()), MPI_FLOAT, MPI_SUM,
                                 MPI_COMM_WORLD));
    }
    const double mpi_per_op = slowest(comm, seconds_since(mpi_start)) / reps;
    if (comm.rank() == 0) {
      std::printf("%12lld %8d %12.1f %12.3f %12.3f %12.1f\n", static_cast<long long>(bytes), reps, per_op * 1e6,
                  algbw, algbw * 2.0 * (world - 1) / world, mpi_per_op * 1e6);
    }
  }
}

struct BlockImpl : torch::nn::Module {
  BlockImpl(int64_t in, int64_t out, int64_t stride)
      : conv1(register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)))),
        bn1(register_module("bn1", torch::nn::BatchNorm2d(out))),
        conv2(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1).bias(false)))),
        bn2(register_module("bn2", torch::nn::BatchNorm2d(out))) {
    if (stride != 1 || in != out) {
      shortcut = register_module("shortcut", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)));
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = bn2(conv2(torch::relu(bn1(conv1(x)))));
    return torch::relu(y + (shortcut ? shortcut(x) : x));
  }
  torch::nn::Conv2d conv1;
  torch::nn::BatchNorm2d bn1;
  torch::nn::Conv2d conv2;
  torch::nn::BatchNorm2d bn2;
  torch::nn::Conv2d shortcut{nullptr};
};
TORCH_MODULE(Block);

// ResNet-18-like widths on 32x32 inputs (about 11 M parameters, 45 MB of fp32 gradients).
torch::nn::Sequential resnet_ish() {
  torch::nn::Sequential model;
  model->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 64, 3).padding(1).bias(false)));
  int64_t in = 64;
  for (int64_t width : {64, 128, 256, 512}) {
    model->push_back(Block(in, width, width == 64 ? 1 : 2));
    model->push_back(Block(width, width, 1));
    in = width;
  }
  model->push_back(torch::nn::AdaptiveAvgPool2d(1));
  model->push_back(torch::nn::Flatten());
  model->push_back(torch::nn::Linear(512, 128));
  return model;
}

void backward_overlap(std::shared_ptr<dist::Communicator> comm, int64_t batch, double bucket_mb, int iters) {
  torch::manual_seed(0);
  auto model = resnet_ish();
  dist::broadcast_module(*comm, *model);
  int64_t parameters = 0;
  for (const auto& p : model->parameters()) parameters += p.numel();
  auto input = torch::randn({batch, 3, 32, 32});
  if (comm->rank() == 0) {
    std::printf("\nResNet-ish backward, %.1f M parameters (%.1f MB fp32 gradients), batch %lld per rank, "
                "bucket %.1f MB, %d iterations\n%10s %8s %14s %14s %14s\n",
                parameters / 1e6, parameters * 4 / 1048576.0, static_cast<long long>(batch), bucket_mb, iters,
                "overlap", "buckets", "backward_ms", "comm_wait_ms", "overlapped");
  }
  for (bool overlap : {false, true}) {
    dist::GradientReducer reducer(comm, model->parameters(), static_cast<int64_t>(bucket_mb * (1 << 20)), overlap);
    double total = 0, wait = 0;
    for (int i = -1; i < iters; ++i) {  // i = -1: warm-up
      model->zero_grad();
      auto loss = model->forward(input).pow(2).mean();
      comm->barrier();
      const auto start = Clock::now();
      loss.backward();
      reducer.finish();
      const double elapsed = slowest(*comm, seconds_since(start));
      if (i >= 0) total += elapsed, wait += reducer.last_wait_seconds();
    }
    if (comm->rank() == 0) {
      std::printf("%10s %8zu %14.1f %14.1f %14lld\n", overlap ? "on" : "off", reducer.bucket_count(),
                  total / iters * 1e3, wait / iters * 1e3, static_cast<long long>(reducer.last_overlapped_buckets()));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description options("bench_allreduce options");
  options.add_options()("help", "show this help")(
      "max-mb", po::value<double>()->default_value(64), "largest all-reduce message in MB")(
      "bucket-mb", po::value<double>()->default_value(4), "gradient bucket size in MB")(
      "batch", po::value<int64_t>()->default_value(16), "images per rank for the backward benchmark")(
      "iters", po::value<int>()->default_value(5), "timed backward iterations per setting")(
      "threads", po::value<int>()->default_value(0), "torch threads per rank (0 = cores / local ranks)");
  po::variables_map args;
  try {
    po::store(po::parse_command_line(argc, argv, options), args);
    po::notify(args);
  } catch (const po::error& e) {
    std::cerr << "synthview: error: " << e.what() << "\n" << options;
    return 2;
  }
  if (args.count("help")) {
    std::cout << options;
    return 0;
  }
  if (args["iters"].as<int>() < 1) {
    std::cerr << "synthview: error: --iters must be at least 1, got " << args["iters"].as<int>() << "\n";
    return 2;
  }
  try {
    dist::MpiRuntime runtime;
    auto comm = dist::make_communicator("mpi", torch::kCPU, 120);
    int threads = args["threads"].as<int>();
    if (threads <= 0) threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / comm->local_size());
    torch::set_num_threads(threads);
    bandwidth_table(*comm, args["max-mb"].as<double>());
    backward_overlap(comm, args["batch"].as<int64_t>(), args["bucket-mb"].as<double>(), args["iters"].as<int>());
  } catch (const Error& e) {
    std::cerr << "synthview: error: " << e.what() << "\n";
    return static_cast<int>(e.code());
  }
  return 0;
}
