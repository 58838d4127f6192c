#include "dist/nccl/nccl_communicator.h"

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "core/error.h"
#include "dist/setup_guard.h"

namespace synthview::dist {

namespace {

using Clock = std::chrono::steady_clock;

nccl_raw::DataType nccl_type(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat: return nccl_raw::DataType::kFloat32;
    case torch::kDouble: return nccl_raw::DataType::kFloat64;
    case torch::kHalf: return nccl_raw::DataType::kFloat16;
    case torch::kBFloat16: return nccl_raw::DataType::kBFloat16;
    case torch::kLong: return nccl_raw::DataType::kInt64;
    case torch::kInt: return nccl_raw::DataType::kInt32;
    case torch::kByte: return nccl_raw::DataType::kUInt8;
    default:
      throw Error(synthview::str("NCCL backend: unsupported dtype ", c10::toString(type),
                                 " (expected float, double, half, bf16, int64, int32 or uint8)"));
  }
}

nccl_raw::RedOp nccl_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return nccl_raw::RedOp::kSum;
    case ReduceOp::kMax: return nccl_raw::RedOp::kMax;
    case ReduceOp::kMin: return nccl_raw::RedOp::kMin;
    case ReduceOp::kAvg: return nccl_raw::RedOp::kAvg;
  }
  return nccl_raw::RedOp::kSum;
}

bool same_memory(const torch::Tensor& buffer, const torch::Tensor& tensor) {
  return buffer.data_ptr() == tensor.data_ptr() && tensor.is_contiguous();
}

class NcclWork final : public Work {
 public:
  NcclWork(std::unique_ptr<nccl_raw::Event> done, int device, std::function<void()> finish, bool host_wait)
      : done_(std::move(done)), device_(device), finish_(std::move(finish)), host_wait_(host_wait) {}

  void wait() override {
    c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(device_));
    if (host_wait_) {
      while (!done_->query()) std::this_thread::sleep_for(std::chrono::microseconds(50));  // watchdog bounds it
    }
    done_->make_wait(c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(device_)).stream());
    if (finish_) {
      torch::NoGradGuard no_grad;
      finish_();
      finish_ = nullptr;
    }
  }
  bool ready() override { return done_->query(); }

 private:
  std::unique_ptr<nccl_raw::Event> done_;
  int device_;
  std::function<void()> finish_;
  bool host_wait_;
};

}  // namespace

NcclCommunicator::NcclCommunicator(MPI_Comm parent, double timeout_s, const std::string& label)
    : timeout_s_(timeout_s), announce_after_s_(ArrivalTracker::announce_delay_s(timeout_s)) {
  if (!MpiRuntime::active()) throw DistributedError("MPI is not initialised: construct dist::MpiRuntime first");
  SV_MPI_CHECK(MPI_Comm_dup(parent, &mpi_));
  place_ = process_place(parent);
  const int devices = nccl_raw::device_count();
  if (devices == 0) {
    throw DistributedError(synthview::str("rank ", place_.rank, " (host ", place_.host, "): no CUDA device visible"));
  }
  // One visible GPU: the launcher bound it already; several: the local rank picks one.
  device_index_ = devices == 1 ? 0 : place_.local_rank % devices;
  nccl_raw::set_device(device_index_);
  // No watchdog exists yet, and a peer lost here would block the others forever.
  SetupDeadline deadline("NCCL setup", timeout_s, place_.rank);
  deadline.stage("the check that every rank has its own GPU");
  check_one_rank_per_gpu(parent, nccl_raw::device_uuid(device_index_), devices);
  deadline.stage("the broadcast of NCCL's unique id from rank 0");
  nccl_raw::UniqueId id{};
  if (place_.rank == 0) id = nccl_raw::make_unique_id();
  SV_MPI_CHECK(MPI_Bcast(id.data(), static_cast<int>(id.size()), MPI_BYTE, 0, parent));
  arrivals_ = std::make_unique<ArrivalTracker>(parent, label);
  deadline.stage("ncclCommInitRank");
  raw_ = std::make_unique<nccl_raw::Comm>(id, place_.size, place_.rank, device_index_, place_.host);
  watchdog_ = std::thread([this] { watch(); });
}

NcclCommunicator::~NcclCommunicator() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  if (watchdog_.joinable()) watchdog_.join();
  raw_.reset();
  arrivals_.reset();
  if (MpiRuntime::active() && mpi_ != MPI_COMM_NULL) MPI_Comm_free(&mpi_);
}

void NcclCommunicator::check_tensor(const torch::Tensor& tensor, const char* what) const {
  if (!tensor.defined()) throw Error(synthview::str("nccl ", what, ": undefined tensor"));
  if (!tensor.is_cuda() || tensor.get_device() != device_index_) {
    throw InputError(synthview::str("nccl ", what, ": tensor on ", tensor.device(), " but this rank's device is ",
                                    device()));
  }
}

std::shared_ptr<Work> NcclCommunicator::enqueue(const char* name, std::vector<torch::Tensor> keep_alive,
                                                const std::function<void()>& issue, std::function<void()> finish,
                                                bool host_wait) {
  c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(device_index_));
  Pending pending;
  pending.name = name;
  pending.step = step();
  pending.seq = next_seq_++;
  pending.started = Clock::now();
  pending.keep_alive = std::move(keep_alive);
  arrivals_->arrive(pending.seq);  // no message: the watchdog announces it only if it is slow
  raw_->wait_for(c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(device_index_)).stream());
  issue();
  pending.done = raw_->record();
  auto work = std::make_shared<NcclWork>(raw_->record(), device_index_, std::move(finish), host_wait);
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.push_back(std::move(pending));
  return work;
}

void NcclCommunicator::watch() {
  try {
    nccl_raw::set_device(device_index_);  // events and streams belong to this rank's GPU, not GPU 0
  } catch (const std::exception& e) {
    abort_job(synthview::str("NCCL watchdog on rank ", rank(), " (host ", place_.host, "): ", e.what()));
  }
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_) return;
    try {
      while (!pending_.empty() && pending_.front().done->query()) pending_.pop_front();
      arrivals_->drain();
      const std::string error = raw_->async_error();
      if (!error.empty()) {
        raw_->abort();
        abort_job(synthview::str("NCCL failed on rank ", rank(), " (host ", place_.host, "): ", error));
      }
      if (pending_.empty() || timeout_s_ <= 0) continue;
      const Pending& oldest = pending_.front();
      const double waited = std::chrono::duration<double>(Clock::now() - oldest.started).count();
      if (waited > announce_after_s_) arrivals_->announce();  // once per arrival
      if (waited <= timeout_s_) continue;
      const std::string line = arrivals_->timeout_report(oldest.name, oldest.seq, oldest.step, timeout_s_, ", nccl");
      raw_->abort();
      abort_job(line);
    } catch (const std::exception& e) {
      abort_job(synthview::str("NCCL watchdog on rank ", rank(), " (host ", place_.host, "): ", e.what()));
    }
  }
}

std::shared_ptr<Work> NcclCommunicator::all_reduce_async(torch::Tensor& tensor, ReduceOp op) {
  check_tensor(tensor, "all_reduce");
  torch::Tensor buffer = tensor.detach().contiguous();
  const auto type = nccl_type(buffer.scalar_type());
  return enqueue(
      "all_reduce", {buffer},
      [&] { raw_->all_reduce(buffer.data_ptr(), buffer.data_ptr(), buffer.numel(), type, nccl_op(op)); },
      [tensor, buffer]() mutable {
        if (!same_memory(buffer, tensor)) tensor.detach().copy_(buffer);
      });
}

std::shared_ptr<Work> NcclCommunicator::all_gather_async(const torch::Tensor& tensor, torch::Tensor& result) {
  check_tensor(tensor, "all_gather");
  torch::Tensor input = tensor.detach().contiguous();
  result = torch::empty(gathered_shape(input.sizes(), size()), input.options());
  torch::Tensor output = result;
  const auto type = nccl_type(input.scalar_type());
  return enqueue(
      "all_gather", {input, output}, [&] { raw_->all_gather(input.data_ptr(), output.data_ptr(), input.numel(), type); },
      nullptr);
}

std::shared_ptr<Work> NcclCommunicator::reduce_scatter_async(const torch::Tensor& tensor, torch::Tensor& result) {
  check_tensor(tensor, "reduce_scatter");
  torch::Tensor input = tensor.detach().contiguous();
  result = torch::empty(scattered_shape(input.sizes(), size()), input.options());
  torch::Tensor output = result;
  const auto type = nccl_type(input.scalar_type());
  return enqueue(
      "reduce_scatter", {input, output},
      [&] { raw_->reduce_scatter(input.data_ptr(), output.data_ptr(), output.numel(), type, nccl_raw::RedOp::kSum); },
      nullptr);
}

std::shared_ptr<Work> NcclCommunicator::broadcast_async(torch::Tensor& tensor, int root) {
  check_tensor(tensor, "broadcast");
  if (root < 0 || root >= size()) {
    throw Error(synthview::str("broadcast root ", root, " is not a rank (size ", size(), ")"));
  }
  torch::Tensor buffer = tensor.detach().contiguous();
  const auto type = nccl_type(buffer.scalar_type());
  return enqueue(
      "broadcast", {buffer}, [&] { raw_->broadcast(buffer.data_ptr(), buffer.numel(), type, root); },
      [tensor, buffer]() mutable {
        if (!same_memory(buffer, tensor)) tensor.detach().copy_(buffer);
      });
}

std::shared_ptr<Work> NcclCommunicator::barrier_async() {
  // NCCL has no barrier: a one-element all-reduce whose completion the host waits for.
  torch::Tensor token = torch::zeros({1}, torch::TensorOptions().device(device()));
  return enqueue(
      "barrier", {token},
      [&] { raw_->all_reduce(token.data_ptr(), token.data_ptr(), 1, nccl_raw::DataType::kFloat32, nccl_raw::RedOp::kSum); },
      nullptr, /*host_wait=*/true);
}

std::shared_ptr<Communicator> NcclCommunicator::duplicate(const std::string& label) {
  return std::make_shared<NcclCommunicator>(mpi_, timeout_s_, label);
}

std::shared_ptr<Communicator> make_nccl_communicator(MPI_Comm parent, double timeout_s) {
  return std::make_shared<NcclCommunicator>(parent, timeout_s);
}

}  // namespace synthview::dist
