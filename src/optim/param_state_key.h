// The key LibTorch's Optimizer::state() uses for a parameter: a std::string of the TensorImpl
// address in LibTorch 1.x (c10::guts::to_string of the pointer), the TensorImpl* itself (void*)
// in 2.x. Deduced from the map type so one source compiles against both.
#pragma once

#include <sstream>
#include <string>
#include <type_traits>

#include <torch/torch.h>

namespace synthview::optim {

template <typename StateMap>
typename StateMap::key_type param_state_key(const StateMap&, const torch::Tensor& param) {
  using Key = typename StateMap::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream key;
    key << static_cast<const void*>(param.unsafeGetTensorImpl());
    return key.str();
  } else {
    return static_cast<Key>(param.unsafeGetTensorImpl());
  }
}

}  // namespace synthview::optim
