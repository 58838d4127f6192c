#include "dist/gather.h"

#include <cstdint>

namespace synthview::dist {

namespace {

// The communicator travels through saved_data as an address: IValue holds no plain pointers.
Communicator& saved_communicator(torch::autograd::AutogradContext* ctx) {
  return *reinterpret_cast<Communicator*>(static_cast<intptr_t>(ctx->saved_data["comm"].toInt()));
}

struct AllGatherFunction : public torch::autograd::Function<AllGatherFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& local,
                               Communicator* comm) {
    ctx->saved_data["comm"] = static_cast<int64_t>(reinterpret_cast<intptr_t>(comm));
    return comm->all_gather(local);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    Communicator& comm = saved_communicator(ctx);
    torch::Tensor grad_local = comm.reduce_scatter(grad_outputs[0].contiguous());
    return {grad_local, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor all_gather_with_grad(Communicator& comm, const torch::Tensor& local) {
  if (comm.size() == 1) return local;
  return AllGatherFunction::apply(local, &comm);
}

}  // namespace synthview::dist
