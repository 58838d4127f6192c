#include "dist/sync_batch_norm.h"

#include <cstdint>

#include "core/error.h"

namespace synthview::dist {

namespace {

using torch::indexing::Slice;

// Every dimension except the channel dimension 1.
std::vector<int64_t> reduce_dims(const torch::Tensor& x) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

// Per-channel vector shaped to broadcast against x: [1, C, 1, ...].
torch::Tensor per_channel(const torch::Tensor& v, const torch::Tensor& x) {
  std::vector<int64_t> shape(x.dim(), 1);
  shape[1] = v.numel();
  return v.view(shape);
}

struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias, const torch::Tensor& mean,
                               const torch::Tensor& invstd, const torch::Tensor& global_count, Communicator* comm) {
    ctx->save_for_backward({x, weight, mean, invstd, global_count});
    // The communicator travels as an address: IValue holds no plain pointers.
    ctx->saved_data["comm"] = static_cast<int64_t>(reinterpret_cast<intptr_t>(comm));
    return (x - per_channel(mean, x)) * per_channel(invstd * weight, x) + per_channel(bias, x);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &x = saved[0], &weight = saved[1], &mean = saved[2], &invstd = saved[3], &count = saved[4];
    auto& comm = *reinterpret_cast<Communicator*>(static_cast<intptr_t>(ctx->saved_data["comm"].toInt()));
    const torch::Tensor dy = grad_outputs[0];
    const auto dims = reduce_dims(x);
    const torch::Tensor xmu = x - per_channel(mean, x);
    const torch::Tensor sum_dy = dy.sum(dims);
    const torch::Tensor sum_dy_xmu = (dy * xmu).sum(dims);
    const torch::Tensor grad_weight = sum_dy_xmu * invstd;  // local: the reducer averages over ranks
    const torch::Tensor grad_bias = sum_dy;

    torch::Tensor global = torch::cat({sum_dy, sum_dy_xmu});
    comm.all_reduce(global);
    const int64_t channels = mean.numel();
    const torch::Tensor mean_dy = global.index({Slice(0, channels)}) / count;
    const torch::Tensor mean_dy_xmu = global.index({Slice(channels, 2 * channels)}) / count;
    const torch::Tensor grad_input =
        (dy - per_channel(mean_dy, x) - xmu * per_channel(invstd * invstd * mean_dy_xmu, x)) *
        per_channel(invstd * weight, x);
    return {grad_input, grad_weight, grad_bias, torch::Tensor(), torch::Tensor(), torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

SyncBatchNorm2dImpl::SyncBatchNorm2dImpl(std::shared_ptr<Communicator> comm, int64_t num_features,
                                         SyncBatchNormOptions options)
    : comm_(std::move(comm)), num_features_(num_features), options_(options) {
  if (num_features <= 0) throw Error(synthview::str("SyncBatchNorm2d: num_features must be positive, got ", num_features));
  reset();
}

void SyncBatchNorm2dImpl::reset() {
  weight = register_parameter("weight", torch::ones({num_features_}));
  bias = register_parameter("bias", torch::zeros({num_features_}));
  running_mean = register_buffer("running_mean", torch::zeros({num_features_}));
  running_var = register_buffer("running_var", torch::ones({num_features_}));
  num_batches_tracked = register_buffer("num_batches_tracked", torch::zeros({}, torch::kLong));
}

torch::Tensor SyncBatchNorm2dImpl::forward(const torch::Tensor& input) {
  if (input.dim() < 2 || input.size(1) != num_features_) {
    throw Error(synthview::str("SyncBatchNorm2d(", num_features_, "): expected input [N, ", num_features_, ", ...], got ",
                    input.sizes()));
  }
  if (!is_training() || !comm_ || comm_->size() == 1) {
    if (is_training()) {
      torch::NoGradGuard no_grad;
      num_batches_tracked.add_(1);
    }
    return torch::batch_norm(input, weight, bias, running_mean, running_var, is_training(), options_.momentum,
                             options_.eps, /*cudnn_enabled=*/true);
  }

  // Statistics in float32 at least (a bf16 input under autocast would round the mean, the variance
  // and even the count: 14112 is 14080 in bf16). The count is a host integer, exact in the float32
  // gather below up to 2^24 per rank. Nothing is copied to the host: no device sync per layer.
  const int64_t local_count = input.numel() / num_features_;
  SV_CHECK(local_count >= 1 && local_count < (int64_t(1) << 24), "SyncBatchNorm2d: ", local_count,
           " values per channel on this rank (expected 1 to 2^24)");
  const bool reduced = input.scalar_type() == torch::kBFloat16 || input.scalar_type() == torch::kHalf;
  const auto stat_type = reduced ? torch::kFloat : input.scalar_type();
  torch::Tensor mean, invstd, count;
  {
    torch::NoGradGuard no_grad;
    const auto dims = reduce_dims(input);
    const torch::Tensor local_mean = input.sum(dims, /*keepdim=*/false, stat_type) / static_cast<double>(local_count);
    const torch::Tensor local_m2 = (input.to(stat_type) - per_channel(local_mean, input)).pow(2).sum(dims);
    const torch::Tensor local =
        torch::cat({local_mean, local_m2, torch::full({1}, static_cast<double>(local_count), local_mean.options())})
            .unsqueeze(0);
    const torch::Tensor all = comm_->all_gather(local);  // [W, 2C+1]
    const torch::Tensor means = all.index({Slice(), Slice(0, num_features_)});
    const torch::Tensor m2s = all.index({Slice(), Slice(num_features_, 2 * num_features_)});
    const torch::Tensor counts = all.index({Slice(), Slice(2 * num_features_, 2 * num_features_ + 1)});
    count = counts.sum();  // >= 2: two or more ranks with at least one value each
    mean = (counts * means).sum(0) / count;
    const torch::Tensor m2 = (m2s + counts * (means - mean).pow(2)).sum(0);
    invstd = (m2 / count + options_.eps).rsqrt();
    const double m = options_.momentum;
    running_mean.mul_(1 - m).add_(mean.to(running_mean.dtype()), m);
    running_var.mul_(1 - m).add_((m2 / (count - 1)).to(running_var.dtype()), m);
    num_batches_tracked.add_(1);
  }
  return SyncBatchNormFunction::apply(input, weight, bias, mean, invstd, count, comm_.get());
}

void SyncBatchNorm2dImpl::pretty_print(std::ostream& stream) const {
  stream << "synthview::dist::SyncBatchNorm2d(" << num_features_ << ", eps=" << options_.eps
         << ", momentum=" << options_.momentum << ")";
}

std::function<torch::nn::AnyModule(int64_t)> sync_batch_norm_factory(std::shared_ptr<Communicator> comm,
                                                                     SyncBatchNormOptions options) {
  return [comm, options](int64_t channels) {
    return torch::nn::AnyModule(SyncBatchNorm2d(comm, channels, options));
  };
}

}  // namespace synthview::dist
