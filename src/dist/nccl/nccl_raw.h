// Raw-pointer NCCL layer: one NCCL communicator, its own CUDA stream, events for ordering and completion.
// Uses only nccl.h and cuda_runtime_api.h (in the .cpp; this header exposes neither), so it compiles against
// the CUDA toolkit on machines without CUDA LibTorch; CI compile-checks it (src/dist/CMakeLists.txt).
// Every NCCL/CUDA call is checked: failures throw DistributedError naming the call, rank, host, file:line.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>

namespace synthview::dist::nccl_raw {

enum class DataType { kFloat32, kFloat64, kFloat16, kBFloat16, kInt64, kInt32, kUInt8 };
enum class RedOp { kSum, kMax, kMin, kAvg };

using UniqueId = std::array<char, 128>;  // NCCL_UNIQUE_ID_BYTES
UniqueId make_unique_id();               // on one rank, then broadcast (over MPI)

int device_count();
// Makes `device` current for the calling thread (every thread that touches a rank's events or
// streams must, or it opens a context on GPU 0).
void set_device(int device);
// The device's UUID as "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", as nvidia-smi -L prints it.
std::string device_uuid(int device);
// NCCL_VERSION_CODE of the headers compiled against, and ncclGetVersion() of the library loaded:
// they differ when a second NCCL got into the process.
int header_version();
int library_version();

// A CUDA event without timing; `stream` arguments are cudaStream_t passed as void*.
class Event {
 public:
  Event(int rank, const std::string& host);
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  void record(void* stream);
  bool query();               // true when the recorded work is done
  void make_wait(void* stream);  // `stream` waits for the recorded work (host does not block)

 private:
  void* event_ = nullptr;
  int rank_;
  std::string host_;
};

class Comm {
 public:
  // Collective over all nranks processes: cudaSetDevice(device), ncclCommInitRank, a non-blocking stream.
  // Blocks until every rank joined: callers bound it with a SetupDeadline (dist/setup_guard.h).
  Comm(const UniqueId& id, int nranks, int rank, int device, const std::string& host);
  ~Comm();
  Comm(const Comm&) = delete;
  Comm& operator=(const Comm&) = delete;

  int rank() const { return rank_; }
  int device() const { return device_; }
  void* stream() const { return stream_; }

  // The communication stream waits for everything queued on compute_stream so far.
  void wait_for(void* compute_stream);
  // Counts are ELEMENTS (not bytes). Enqueued on the communication stream.
  void all_reduce(const void* send, void* recv, size_t count, DataType type, RedOp op);
  void all_gather(const void* send, void* recv, size_t count_per_rank, DataType type);
  void reduce_scatter(const void* send, void* recv, size_t count_per_rank, DataType type, RedOp op);
  void broadcast(void* buffer, size_t count, DataType type, int root);
  // An event recorded now on the communication stream.
  std::unique_ptr<Event> record();
  // "" or the text of an asynchronous NCCL error (a peer failed, a network error).
  std::string async_error();
  // Abandons the communicator (unblocks kernels stuck waiting for a lost peer). No further calls after.
  void abort();

 private:
  void* comm_ = nullptr;    // ncclComm_t
  void* stream_ = nullptr;  // cudaStream_t
  int rank_;
  int device_;
  std::string host_;
  bool aborted_ = false;
};

}  // namespace synthview::dist::nccl_raw
