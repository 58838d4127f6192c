#include "dist/nccl/nccl_raw.h"

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace synthview::dist::nccl_raw {

namespace {

[[noreturn]] void fail(const char* call, const std::string& reason, int rank, const std::string& host,
                       const char* file, int line, const char* hint) {
  throw DistributedError(str(call, " failed on rank ", rank, " (host ", host, "): ", reason, " [", file, ":", line,
                             "]; ", hint));
}

}  // namespace

}  // namespace synthview::dist::nccl_raw

// Check macros naming the call, rank and host (rank_/host_: Comm's and Event's members, or in free
// functions, which run outside any communicator, the file's defaults below).
#define SV_CUDA_CHECK(call)                                                                                 \
  do {                                                                                                      \
    cudaError_t sv_cuda_status_ = (call);                                                                   \
    if (sv_cuda_status_ != cudaSuccess) {                                                                   \
      fail(#call, cudaGetErrorString(sv_cuda_status_), rank_, host_, __FILE__, __LINE__,                   \
           "check the GPU binding (local rank -> device) and CUDA_VISIBLE_DEVICES");                        \
    }                                                                                                       \
  } while (0)
#define SV_NCCL_CHECK(call)                                                                                 \
  do {                                                                                                      \
    ncclResult_t sv_nccl_status_ = (call);                                                                  \
    if (sv_nccl_status_ != ncclSuccess) {                                                                   \
      fail(#call, ncclGetErrorString(sv_nccl_status_), rank_, host_, __FILE__, __LINE__,                   \
           "rerun with NCCL_DEBUG=INFO for details");                                                       \
    }                                                                                                       \
  } while (0)

namespace synthview::dist::nccl_raw {

namespace {

const int rank_ = -1;
const std::string host_ = "this host";

ncclDataType_t nccl_type(DataType type) {
  switch (type) {
    case DataType::kFloat32: return ncclFloat32;
    case DataType::kFloat64: return ncclFloat64;
    case DataType::kFloat16: return ncclFloat16;
    case DataType::kBFloat16: return ncclBfloat16;
    case DataType::kInt64: return ncclInt64;
    case DataType::kInt32: return ncclInt32;
    case DataType::kUInt8: return ncclUint8;
  }
  return ncclFloat32;
}

ncclRedOp_t nccl_op(RedOp op) {
  switch (op) {
    case RedOp::kSum: return ncclSum;
    case RedOp::kMax: return ncclMax;
    case RedOp::kMin: return ncclMin;
    case RedOp::kAvg: return ncclAvg;
  }
  return ncclSum;
}

cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

}  // namespace

UniqueId make_unique_id() {
  static_assert(sizeof(ncclUniqueId) == sizeof(UniqueId), "NCCL_UNIQUE_ID_BYTES changed");
  const int rank_ = 0;
  const std::string host_ = "rank 0 host";
  ncclUniqueId id;
  SV_NCCL_CHECK(ncclGetUniqueId(&id));
  UniqueId bytes;
  std::memcpy(bytes.data(), &id, sizeof(id));
  return bytes;
}

int device_count() {
  int count = 0;
  SV_CUDA_CHECK(cudaGetDeviceCount(&count));
  return count;
}

void set_device(int device) {
  SV_CUDA_CHECK(cudaSetDevice(device));
}

std::string device_uuid(int device) {
  cudaDeviceProp properties{};
  SV_CUDA_CHECK(cudaGetDeviceProperties(&properties, device));
  const auto* bytes = reinterpret_cast<const unsigned char*>(properties.uuid.bytes);
  std::string text = "GPU-";
  char hex[3];
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    std::snprintf(hex, sizeof(hex), "%02x", bytes[i]);
    text += hex;
  }
  return text;
}

int header_version() { return NCCL_VERSION_CODE; }

int library_version() {
  int version = 0;
  SV_NCCL_CHECK(ncclGetVersion(&version));
  return version;
}

Event::Event(int rank, const std::string& host) : rank_(rank), host_(host) {
  cudaEvent_t event;
  SV_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  event_ = event;
}

Event::~Event() { cudaEventDestroy(static_cast<cudaEvent_t>(event_)); }

void Event::record(void* stream) { SV_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(event_), as_stream(stream))); }

bool Event::query() {
  const cudaError_t status = cudaEventQuery(static_cast<cudaEvent_t>(event_));
  if (status == cudaErrorNotReady) return false;
  SV_CUDA_CHECK(status);
  return true;
}

void Event::make_wait(void* stream) {
  SV_CUDA_CHECK(cudaStreamWaitEvent(as_stream(stream), static_cast<cudaEvent_t>(event_), 0));
}

Comm::Comm(const UniqueId& id, int nranks, int rank, int device, const std::string& host)
    : rank_(rank), device_(device), host_(host) {
  SV_CUDA_CHECK(cudaSetDevice(device));
  cudaStream_t stream;
  SV_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  stream_ = stream;
  ncclUniqueId nccl_id;
  std::memcpy(&nccl_id, id.data(), sizeof(nccl_id));
  ncclComm_t comm;
  SV_NCCL_CHECK(ncclCommInitRank(&comm, nranks, nccl_id, rank));
  comm_ = comm;
}

Comm::~Comm() {
  if (comm_ && !aborted_) ncclCommDestroy(static_cast<ncclComm_t>(comm_));
  if (stream_) cudaStreamDestroy(as_stream(stream_));
}

void Comm::wait_for(void* compute_stream) {
  Event ready(rank_, host_);
  ready.record(compute_stream);
  ready.make_wait(stream_);
}

void Comm::all_reduce(const void* send, void* recv, size_t count, DataType type, RedOp op) {
  SV_NCCL_CHECK(ncclAllReduce(send, recv, count, nccl_type(type), nccl_op(op), static_cast<ncclComm_t>(comm_),
                              as_stream(stream_)));
}

void Comm::all_gather(const void* send, void* recv, size_t count_per_rank, DataType type) {
  SV_NCCL_CHECK(ncclAllGather(send, recv, count_per_rank, nccl_type(type), static_cast<ncclComm_t>(comm_),
                              as_stream(stream_)));
}

void Comm::reduce_scatter(const void* send, void* recv, size_t count_per_rank, DataType type, RedOp op) {
  SV_NCCL_CHECK(ncclReduceScatter(send, recv, count_per_rank, nccl_type(type), nccl_op(op),
                                  static_cast<ncclComm_t>(comm_), as_stream(stream_)));
}

void Comm::broadcast(void* buffer, size_t count, DataType type, int root) {
  SV_NCCL_CHECK(ncclBroadcast(buffer, buffer, count, nccl_type(type), root, static_cast<ncclComm_t>(comm_),
                              as_stream(stream_)));
}

std::unique_ptr<Event> Comm::record() {
  auto event = std::make_unique<Event>(rank_, host_);
  event->record(stream_);
  return event;
}

std::string Comm::async_error() {
  if (aborted_) return "communicator aborted";
  ncclResult_t async_status = ncclSuccess;
  SV_NCCL_CHECK(ncclCommGetAsyncError(static_cast<ncclComm_t>(comm_), &async_status));
  return async_status == ncclSuccess ? std::string() : std::string(ncclGetErrorString(async_status));
}

void Comm::abort() {
  if (aborted_) return;
  aborted_ = true;
  ncclCommAbort(static_cast<ncclComm_t>(comm_));
}

}  // namespace synthview::dist::nccl_raw
