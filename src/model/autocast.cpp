#include "model/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace synthview::model {
namespace {

// PyTorch 2.4 replaced the per-device functions with ones taking the device type and deprecated
// the old names; Debian's LibTorch 1.13 has only the old ones.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool is_enabled(bool cuda) { return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU); }
void set_enabled(bool cuda, bool on) { at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, on); }
at::ScalarType get_dtype(bool cuda) { return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU); }
void set_dtype(bool cuda, at::ScalarType dtype) { at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, dtype); }
#else
bool is_enabled(bool cuda) { return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
void set_enabled(bool cuda, bool on) { cuda ? at::autocast::set_enabled(on) : at::autocast::set_cpu_enabled(on); }
at::ScalarType get_dtype(bool cuda) {
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void set_dtype(bool cuda, at::ScalarType dtype) {
  cuda ? at::autocast::set_autocast_gpu_dtype(dtype) : at::autocast::set_autocast_cpu_dtype(dtype);
}
#endif

}  // namespace

AutocastGuard::AutocastGuard(const torch::Device& device, bool enabled, torch::ScalarType dtype) {
  if (!enabled) return;
  active_ = true;
  cuda_ = device.is_cuda();
  previous_enabled_ = is_enabled(cuda_);
  previous_dtype_ = get_dtype(cuda_);
  set_dtype(cuda_, dtype);
  set_enabled(cuda_, true);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  // Leaving the outermost autocast region frees the casted copies of the weights, as torch.autocast does.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_enabled(cuda_, previous_enabled_);
  set_dtype(cuda_, previous_dtype_);
}

}  // namespace synthview::model
