// OpenBLAS's own thread pool, which LibTorch's CPU matrix products run on (Debian's libtorch links
// libopenblas, pthread flavour). Unless OPENBLAS_NUM_THREADS says otherwise it takes one thread per CPU
// the process may use, and its float32 products round differently with 1 and 2 threads: the same
// latent rendered differently under `mpirun --bind-to core` (1 CPU per rank) and `--bind-to none`
// (issue 15). LibTorch already parallelises above BLAS (intra-op threads over the batch), so BLAS
// runs on one thread, fixed, whatever the binding.
#pragma once

namespace synthview {

// Sets OpenBLAS to one thread if the process has OpenBLAS loaded; idempotent and cheap.
// Returns the thread count OpenBLAS had before, or 0 where no OpenBLAS is loaded (a CUDA LibTorch
// using MKL or another BLAS: nothing to pin).
int pin_blas_threads();

}  // namespace synthview
