#include "dist/communicator.h"

#include "core/error.h"
#include "dist/mpi_communicator.h"
#include "dist/mpi_runtime.h"
#ifdef SYNTHVIEW_WITH_CUDA
#include "dist/nccl/nccl_communicator.h"
#endif

namespace synthview::dist {

torch::Tensor Communicator::all_gather(const torch::Tensor& tensor) {
  torch::Tensor result;
  all_gather_async(tensor, result)->wait();
  return result;
}

torch::Tensor Communicator::reduce_scatter(const torch::Tensor& tensor) {
  torch::Tensor result;
  reduce_scatter_async(tensor, result)->wait();
  return result;
}

std::vector<int64_t> gathered_shape(torch::IntArrayRef shape, int world) {
  if (shape.empty()) throw Error("all_gather needs a tensor with at least one dimension");
  std::vector<int64_t> out(shape.begin(), shape.end());
  out[0] *= world;
  return out;
}

std::vector<int64_t> scattered_shape(torch::IntArrayRef shape, int world) {
  if (shape.empty() || shape[0] % world != 0) {
    throw Error(synthview::str("reduce_scatter needs dim 0 divisible by the world size ", world, ", got shape ", shape));
  }
  std::vector<int64_t> out(shape.begin(), shape.end());
  out[0] /= world;
  return out;
}

const char* reduce_op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return "sum";
    case ReduceOp::kMax: return "max";
    case ReduceOp::kMin: return "min";
    case ReduceOp::kAvg: return "avg";
  }
  return "?";
}

std::shared_ptr<Communicator> make_communicator(const std::string& backend, torch::Device device, double timeout_s) {
  const std::string chosen = backend == "auto" ? (device.is_cuda() ? "nccl" : "mpi") : backend;
  if (chosen != "mpi" && chosen != "nccl") {
    throw InputError(synthview::str("dist.backend '", backend, "' is not one of auto|mpi|nccl"));
  }
  if (!MpiRuntime::active()) throw DistributedError("MPI is not initialised: construct dist::MpiRuntime first");
  if (chosen == "mpi") {
    if (!device.is_cpu()) {
      throw InputError(synthview::str("dist.backend=mpi takes CPU tensors but the device is ", device,
                           " (use dist.backend=nccl or auto)"));
    }
    return std::make_shared<MpiCommunicator>(MPI_COMM_WORLD, timeout_s);
  }
#ifdef SYNTHVIEW_WITH_CUDA
  if (!device.is_cuda()) {
    throw InputError(synthview::str("dist.backend=nccl needs a CUDA device, got ", device, " (use dist.backend=mpi or auto)"));
  }
  return make_nccl_communicator(MPI_COMM_WORLD, timeout_s);
#else
  throw InputError("dist.backend=nccl needs synthview built against LibTorch with CUDA; this build is CPU-only "
                   "(use dist.backend=mpi)");
#endif
}

}  // namespace synthview::dist
