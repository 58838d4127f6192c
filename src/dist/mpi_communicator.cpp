#include "dist/mpi_communicator.h"

#include <algorithm>
#include <chrono>
#include <climits>

#include "core/error.h"

namespace synthview::dist {

namespace {

using Clock = std::chrono::steady_clock;
// Polls are microseconds to a millisecond apart; a gap longer than this means the process was stopped.
constexpr auto kNotRunningGap = std::chrono::seconds(1);

bool is_half_precision(torch::ScalarType type) { return type == torch::kBFloat16 || type == torch::kHalf; }

MPI_Datatype mpi_type(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat: return MPI_FLOAT;
    case torch::kDouble: return MPI_DOUBLE;
    case torch::kLong: return MPI_INT64_T;
    case torch::kInt: return MPI_INT32_T;
    case torch::kByte: return MPI_UINT8_T;
    case torch::kBFloat16:
    case torch::kHalf: return MPI_UINT16_T;  // moved bit-exact; never reduced as such
    default: throw Error(synthview::str("MPI backend: unsupported dtype ", c10::toString(type),
                             " (expected float, double, int64, int32, uint8, bf16 or half)"));
  }
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kAvg: return MPI_SUM;
    case ReduceOp::kMax: return MPI_MAX;
    case ReduceOp::kMin: return MPI_MIN;
  }
  return MPI_SUM;
}

int checked_count(int64_t count) {
  SV_CHECK(count <= INT_MAX, "MPI message of ", count, " elements exceeds INT_MAX; split the tensor");
  return static_cast<int>(count);
}

// A contiguous tensor MPI can reduce: float32 for 16-bit floats, otherwise the tensor itself if contiguous.
torch::Tensor reducible(const torch::Tensor& tensor) {
  if (is_half_precision(tensor.scalar_type())) return tensor.to(torch::kFloat).contiguous();
  return tensor.contiguous();
}

// True when the MPI buffer is the caller's memory itself, so there is nothing to copy back.
bool same_memory(const torch::Tensor& buffer, const torch::Tensor& tensor) {
  return buffer.data_ptr() == tensor.data_ptr() && buffer.scalar_type() == tensor.scalar_type() &&
         tensor.is_contiguous();
}

}  // namespace

// One queued collective; it is also the Work handed to the caller.
class MpiOp final : public Work {
 public:
  MpiOp(const char* name, int64_t step, std::function<void(MPI_Request*)> start, std::function<void()> finish)
      : name(name), step(step), start(std::move(start)), finish_(std::move(finish)) {}

  void wait() override {
    std::unique_lock<std::mutex> lock(mutex_);
    done_signal_.wait(lock, [this] { return done_; });
    if (!error_.empty()) throw DistributedError(error_);
    if (finish_) {  // copy-back / scaling, once, on the caller's thread
      torch::NoGradGuard no_grad;
      finish_();
      finish_ = nullptr;
    }
  }
  bool ready() override {
    std::lock_guard<std::mutex> lock(mutex_);
    return done_;
  }
  // Called by the communication thread.
  void mark_done(const std::string& error) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = error;
    done_ = true;
    done_signal_.notify_all();
  }

  const char* name;
  int64_t step;
  int64_t seq = 0;
  std::function<void(MPI_Request*)> start;

 private:
  std::function<void()> finish_;
  std::mutex mutex_;
  std::condition_variable done_signal_;
  bool done_ = false;
  std::string error_;
};

MpiCommunicator::MpiCommunicator(MPI_Comm parent, double timeout_s, const std::string& label)
    : timeout_s_(timeout_s), announce_after_s_(ArrivalTracker::announce_delay_s(timeout_s)) {
  if (!MpiRuntime::active()) throw DistributedError("MPI is not initialised: construct dist::MpiRuntime first");
  SV_MPI_CHECK(MPI_Comm_dup(parent, &comm_));
  SV_MPI_CHECK(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN));
  place_ = process_place(comm_);
  arrivals_ = std::make_unique<ArrivalTracker>(comm_, label);
  thread_ = std::thread([this] { run_ops(); });
}

MpiCommunicator::~MpiCommunicator() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  arrivals_.reset();
  if (MpiRuntime::active()) MPI_Comm_free(&comm_);
}

std::shared_ptr<Work> MpiCommunicator::submit(const char* name, std::function<void(MPI_Request*)> start,
                                              std::function<void()> finish) {
  auto op = std::make_shared<MpiOp>(name, step(), std::move(start), std::move(finish));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    op->seq = next_seq_++;
    queue_.push_back(op);
  }
  wake_.notify_one();
  return op;
}

void MpiCommunicator::run_ops() {
  while (true) {
    std::shared_ptr<MpiOp> op;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      op = queue_.front();
      queue_.pop_front();
    }
    complete(*op);
  }
}

void MpiCommunicator::complete(MpiOp& op) {
  std::string error;
  try {
    arrivals_->arrive(op.seq);  // no message: announced below only if the op is slow
    MPI_Request request = MPI_REQUEST_NULL;
    op.start(&request);
    auto started = Clock::now();
    auto last_poll = started;
    // Poll (Open MPI progresses a request only inside MPI calls, and its MPI_Wait spins): yield while
    // the op is young, for latency, then sleep with a doubling pause up to 1 ms, so a long transfer
    // costs a few hundred wake-ups a second instead of 20000 taken from the compute threads.
    auto pause = std::chrono::microseconds(20);
    bool announced = false;
    for (int polls = 0;; ++polls) {
      int flag = 0;
      SV_MPI_CHECK(MPI_Test(&request, &flag, MPI_STATUS_IGNORE));
      if (flag) break;
      // A gap between two polls is time this process did not run (SIGSTOP, a suspended machine): not
      // the peers' fault, so not counted. A rank thawed past the deadline, which the launcher is
      // already ending, must not blame the others in a second error line.
      const auto now = Clock::now();
      if (now - last_poll > kNotRunningGap) started += now - last_poll;
      last_poll = now;
      const double waited = std::chrono::duration<double>(now - started).count();
      if (timeout_s_ > 0 && waited > timeout_s_) time_out(op);
      if (timeout_s_ > 0 && !announced && waited > announce_after_s_) {
        arrivals_->announce();
        announced = true;
      }
      if (waited < 2e-4) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(1000));
      }
      if (polls % 64 == 63) arrivals_->drain();
    }
    arrivals_->drain();
  } catch (const std::exception& e) {
    error = synthview::str(op.name, " failed: ", e.what());
  }
  op.mark_done(error);
}

void MpiCommunicator::time_out(const MpiOp& op) {
  abort_job(arrivals_->timeout_report(op.name, op.seq, op.step, timeout_s_, ""));
}

void MpiCommunicator::check_tensor(const torch::Tensor& tensor, const char* what) const {
  if (!tensor.defined()) throw Error(synthview::str("mpi ", what, ": undefined tensor"));
  if (!tensor.device().is_cpu()) {
    throw InputError(synthview::str("mpi ", what, ": tensor on ", tensor.device(), ", the MPI backend takes CPU tensors ",
                         "(use dist.backend=nccl for CUDA)"));
  }
}

std::shared_ptr<Work> MpiCommunicator::all_reduce_async(torch::Tensor& tensor, ReduceOp op) {
  check_tensor(tensor, "all_reduce");
  if (op == kAvg && !tensor.is_floating_point()) {
    throw Error(synthview::str("all_reduce avg needs a floating tensor, got ", c10::toString(tensor.scalar_type())));
  }
  torch::Tensor buffer = reducible(tensor.detach());
  const int count = checked_count(buffer.numel());
  MPI_Datatype type = mpi_type(buffer.scalar_type());
  const int world = size();
  return submit(
      "all_reduce",
      [this, buffer, count, type, op](MPI_Request* request) {
        SV_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, buffer.data_ptr(), count, type, mpi_op(op), comm_, request));
      },
      [tensor, buffer, op, world]() mutable {
        if (op == kAvg) buffer.div_(world);
        if (!same_memory(buffer, tensor)) tensor.detach().copy_(buffer);
      });
}

std::shared_ptr<Work> MpiCommunicator::all_gather_async(const torch::Tensor& tensor, torch::Tensor& result) {
  check_tensor(tensor, "all_gather");
  torch::Tensor input = tensor.detach().contiguous();
  result = torch::empty(gathered_shape(input.sizes(), size()), input.options());
  const int count = checked_count(input.numel());
  checked_count(result.numel());
  MPI_Datatype type = mpi_type(input.scalar_type());
  torch::Tensor output = result;
  return submit(
      "all_gather",
      [this, input, output, count, type](MPI_Request* request) {
        SV_MPI_CHECK(MPI_Iallgather(input.data_ptr(), count, type, output.data_ptr(), count, type, comm_, request));
      },
      nullptr);
}

std::shared_ptr<Work> MpiCommunicator::reduce_scatter_async(const torch::Tensor& tensor, torch::Tensor& result) {
  check_tensor(tensor, "reduce_scatter");
  torch::Tensor input = reducible(tensor.detach());
  result = torch::empty(scattered_shape(input.sizes(), size()), tensor.options());
  torch::Tensor output = is_half_precision(tensor.scalar_type()) ? torch::empty(result.sizes(), input.options())
                                                                : result;
  const int count = checked_count(output.numel());
  MPI_Datatype type = mpi_type(input.scalar_type());
  torch::Tensor final_result = result;
  return submit(
      "reduce_scatter",
      [this, input, output, count, type](MPI_Request* request) {
        SV_MPI_CHECK(MPI_Ireduce_scatter_block(input.data_ptr(), output.data_ptr(), count, type, MPI_SUM, comm_,
                                               request));
      },
      [output, final_result]() mutable {
        if (!output.is_same(final_result)) final_result.copy_(output);
      });
}

std::shared_ptr<Work> MpiCommunicator::broadcast_async(torch::Tensor& tensor, int root) {
  check_tensor(tensor, "broadcast");
  if (root < 0 || root >= size()) throw Error(synthview::str("broadcast root ", root, " is not a rank (size ", size(), ")"));
  torch::Tensor buffer = tensor.detach().contiguous();
  const int count = checked_count(buffer.numel());
  MPI_Datatype type = mpi_type(buffer.scalar_type());
  return submit(
      "broadcast",
      [this, buffer, count, type, root](MPI_Request* request) {
        SV_MPI_CHECK(MPI_Ibcast(buffer.data_ptr(), count, type, root, comm_, request));
      },
      [tensor, buffer]() mutable {
        if (!same_memory(buffer, tensor)) tensor.detach().copy_(buffer);
      });
}

std::shared_ptr<Work> MpiCommunicator::barrier_async() {
  return submit(
      "barrier", [this](MPI_Request* request) { SV_MPI_CHECK(MPI_Ibarrier(comm_, request)); }, nullptr);
}

std::shared_ptr<Communicator> MpiCommunicator::duplicate(const std::string& label) {
  // Through the queue (MPI_Comm_idup), in order with the collectives already submitted on comm_: a
  // blocking MPI_Comm_dup from this thread could run concurrently with them.
  MPI_Comm fresh = MPI_COMM_NULL;
  submit(
      "duplicate", [this, &fresh](MPI_Request* request) { SV_MPI_CHECK(MPI_Comm_idup(comm_, &fresh, request)); },
      nullptr)
      ->wait();
  auto copy = std::make_shared<MpiCommunicator>(fresh, timeout_s_, label);
  SV_MPI_CHECK(MPI_Comm_free(&fresh));
  return copy;
}

}  // namespace synthview::dist
