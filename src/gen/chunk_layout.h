// Where each sample sits when the generator runs (issue 15). Floating-point kernels (oneDNN
// convolutions, BLAS, vectorised transcendental functions) may round a row differently depending on
// the batch size and on the row's position in the batch: seen on AVX-512 machines, where the same
// latent rendered differently in a rank's slice than in the whole batch. So the generator never sees
// a caller's batch. Every call has exactly `chunk_size` rows, and a sample with key k (its anchor
// index) sits at row k mod chunk_size of one such call. Whatever slice, batch size or order a sample
// arrives in, its row meets the same arithmetic; what the other rows hold does not matter, since no
// generator layer mixes rows (eval-mode normalisation, per-sample convolutions).
#pragma once

#include <torch/torch.h>

namespace synthview::gen {

struct ChunkLayout {
  int64_t chunk_size = 0;
  int64_t chunks = 0;   // calls needed: the canvas has chunks * chunk_size rows
  torch::Tensor rows;   // [B] int64 on the CPU: canvas row of input i, (occurrence of its slot) * chunk_size + slot
};

// keys: [B] int64 (any device). Input i goes to slot keys[i] mod chunk_size of the first chunk
// whose slot is still free, so B inputs with distinct slots need one chunk and a contiguous run of
// keys needs ceil(B / chunk_size) or one more.
ChunkLayout layout_chunks(const torch::Tensor& keys, int64_t chunk_size);

}  // namespace synthview::gen
