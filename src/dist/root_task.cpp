#include "dist/root_task.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "dist/mpi_runtime.h"

namespace synthview::dist {
namespace {

using Clock = std::chrono::steady_clock;

// Every message is one int64 (the outcome code, or kBeat) followed by the outcome's text. One tag and one
// source keep them in order: a rank sees every heartbeat of a task before its outcome.
constexpr int kTag = 11;
constexpr int64_t kBeat = -1;
const int64_t kBeatWord = kBeat;  // send buffer of every heartbeat: must outlive the sends

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Rank 0's heartbeat thread, alive while the work runs. Its sends are handed back by stop() so that they
// are completed (or given up on) together with the outcome.
class Heartbeat {
 public:
  Heartbeat(MPI_Comm comm, int size, double interval_s) : comm_(comm), size_(size), interval_s_(interval_s) {
    if (interval_s_ > 0) thread_ = std::thread([this] { beat(); });
  }
  ~Heartbeat() { stop(); }

  // Ends the thread; returns its unfinished sends and the text of an MPI error it hit, if any.
  std::vector<MPI_Request> stop(std::string* error = nullptr) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (error != nullptr) *error = error_;
    return std::move(requests_);
  }

 private:
  void beat() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::duration<double>(interval_s_), [this] { return stopping_; })) {
      try {
        for (int peer = 1; peer < size_; ++peer) {
          requests_.push_back(MPI_REQUEST_NULL);
          SV_MPI_CHECK(MPI_Isend(&kBeatWord, 1, MPI_INT64_T, peer, kTag, comm_, &requests_.back()));
        }
        int done = 0;  // drop the finished ones so a long write does not pile up requests
        SV_MPI_CHECK(MPI_Testall(static_cast<int>(requests_.size()), requests_.data(), &done, MPI_STATUSES_IGNORE));
        if (done) requests_.clear();
      } catch (const std::exception& e) {
        error_ = e.what();  // the peers will notice the silence; rank 0 reports it after the work
        return;
      }
    }
  }

  MPI_Comm comm_;
  int size_;
  double interval_s_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<MPI_Request> requests_;
  std::string error_;
  std::thread thread_;
};

}  // namespace

RootTask::RootTask(MPI_Comm parent, double timeout_s) : timeout_s_(timeout_s) {
  SV_MPI_CHECK(MPI_Comm_dup(parent, &comm_));
  SV_MPI_CHECK(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN));
  SV_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  SV_MPI_CHECK(MPI_Comm_size(comm_, &size_));
  char host[MPI_MAX_PROCESSOR_NAME] = {0};
  std::strncpy(host, host_name().c_str(), sizeof(host) - 1);
  SV_MPI_CHECK(MPI_Bcast(host, sizeof(host), MPI_CHAR, 0, comm_));
  root_host_ = host;
}

RootTask::~RootTask() {
  if (MpiRuntime::active()) MPI_Comm_free(&comm_);
}

void RootTask::run(const std::string& what, const std::function<void()>& work) {
  if (size_ == 1) {
    work();
    return;
  }
  if (rank_ != 0) {
    Outcome outcome = await_outcome(what);
    if (outcome.code != 0) {
      throw Error(str("rank 0: ", outcome.message), static_cast<ExitCode>(static_cast<int>(outcome.code)));
    }
    return;
  }
  Outcome outcome;
  std::exception_ptr failure;
  Heartbeat heartbeat(comm_, size_, timeout_s_ > 0 ? std::min(5.0, timeout_s_ / 4) : 0.0);
  try {
    work();
  } catch (const Error& e) {
    failure = std::current_exception();
    outcome = {std::max<int64_t>(1, static_cast<int64_t>(e.code())), e.what()};
  } catch (const std::exception& e) {
    failure = std::current_exception();
    outcome = {static_cast<int64_t>(ExitCode::kFailure), e.what()};
  }
  std::string beat_error;
  send_outcome(outcome, heartbeat.stop(&beat_error), what);
  if (failure) std::rethrow_exception(failure);
  if (!beat_error.empty()) {
    throw DistributedError(str("rank 0 could not send its heartbeat while ", what, ": ", beat_error));
  }
}

RootTask::Outcome RootTask::await_outcome(const std::string& what) {
  auto last_heard = Clock::now();
  std::vector<char> buffer;
  while (true) {
    int arrived = 0;
    MPI_Status status;
    SV_MPI_CHECK(MPI_Iprobe(0, kTag, comm_, &arrived, &status));
    if (arrived) {
      int bytes = 0;
      SV_MPI_CHECK(MPI_Get_count(&status, MPI_BYTE, &bytes));
      SV_CHECK(bytes >= static_cast<int>(sizeof(int64_t)), "rank 0 sent a ", bytes, "-byte message");
      buffer.resize(bytes);
      SV_MPI_CHECK(MPI_Recv(buffer.data(), bytes, MPI_BYTE, 0, kTag, comm_, MPI_STATUS_IGNORE));
      Outcome outcome;
      std::memcpy(&outcome.code, buffer.data(), sizeof(int64_t));
      if (outcome.code != kBeat) {
        outcome.message.assign(buffer.data() + sizeof(int64_t), buffer.size() - sizeof(int64_t));
        return outcome;
      }
      last_heard = Clock::now();
      continue;
    }
    if (timeout_s_ > 0 && seconds_since(last_heard) > timeout_s_) {
      throw DistributedError(str("rank 0 (host ", root_host_, ") sent nothing for ", timeout_s_,
                                 " s (dist.timeout_s) while ", what, ": it stalled, died or lost its link"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void RootTask::send_outcome(const Outcome& outcome, std::vector<MPI_Request> pending, const std::string& what) {
  std::vector<char> buffer(sizeof(int64_t) + outcome.message.size());
  SV_CHECK(buffer.size() <= static_cast<size_t>(INT32_MAX), "outcome message of ", buffer.size(), " bytes");
  std::memcpy(buffer.data(), &outcome.code, sizeof(int64_t));
  std::memcpy(buffer.data() + sizeof(int64_t), outcome.message.data(), outcome.message.size());
  for (int peer = 1; peer < size_; ++peer) {
    pending.push_back(MPI_REQUEST_NULL);
    SV_MPI_CHECK(MPI_Isend(buffer.data(), static_cast<int>(buffer.size()), MPI_BYTE, peer, kTag, comm_,
                           &pending.back()));
  }
  // The peers are probing for the outcome, so this is quick unless one of them is gone. No unwinding past
  // sends that still use `buffer`: a peer that never takes it ends the job like the watchdog does.
  const auto start = Clock::now();
  while (true) {
    int done = 0;
    SV_MPI_CHECK(MPI_Testall(static_cast<int>(pending.size()), pending.data(), &done, MPI_STATUSES_IGNORE));
    if (done) return;
    if (timeout_s_ > 0 && seconds_since(start) > timeout_s_) {
      abort_job(str("the other ranks did not take rank 0's outcome within ", timeout_s_, " s (dist.timeout_s) after ",
                    what, " (host ", root_host_, "): a peer stalled, died or lost its link"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace synthview::dist
