#include "core/blas_threads.h"

#include <dlfcn.h>

namespace synthview {

int pin_blas_threads() {
  // Looked up at run time: the symbols exist only when LibTorch's BLAS is OpenBLAS.
  using SetThreads = void (*)(int);
  using GetThreads = int (*)();
  auto set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  auto get_threads = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (set_threads == nullptr || get_threads == nullptr) return 0;
  const int before = get_threads();
  if (before != 1) set_threads(1);
  return before;
}

}  // namespace synthview

namespace {
// Pinned as the program starts, before any BLAS call: the builtin generator's constructor already runs a
// forward pass (its batch-norm calibration), before any ViewMaker exists, and that rounds differently on
// 2 threads too. This file is linked into every binary that renders or trains (views.cpp and the CLI call
// pin_blas_threads()).
[[maybe_unused]] const int blas_threads_at_start = synthview::pin_blas_threads();
}  // namespace
