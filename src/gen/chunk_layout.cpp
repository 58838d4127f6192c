#include "gen/chunk_layout.h"

#include <vector>

#include "core/error.h"

namespace synthview::gen {

ChunkLayout layout_chunks(const torch::Tensor& keys, int64_t chunk_size) {
  SV_CHECK(keys.dim() == 1 && keys.scalar_type() == torch::kInt64, "chunk keys must be a 1-D int64 tensor, got ",
           keys.sizes(), " ", keys.scalar_type());
  SV_CHECK(chunk_size >= 1, "chunk_size must be >= 1, got ", chunk_size);
  torch::Tensor host_keys = keys.cpu().contiguous();
  const int64_t count = host_keys.size(0);
  const int64_t* key = host_keys.data_ptr<int64_t>();
  ChunkLayout layout;
  layout.chunk_size = chunk_size;
  layout.rows = torch::empty({count}, torch::kInt64);
  int64_t* row = layout.rows.data_ptr<int64_t>();
  std::vector<int64_t> used(static_cast<size_t>(chunk_size), 0);  // chunks already holding each slot
  for (int64_t i = 0; i < count; ++i) {
    SV_CHECK(key[i] >= 0, "chunk keys must be >= 0, got ", key[i], " at ", i);
    const int64_t slot = key[i] % chunk_size;
    const int64_t chunk = used[static_cast<size_t>(slot)]++;
    row[i] = chunk * chunk_size + slot;
    layout.chunks = std::max(layout.chunks, chunk + 1);
  }
  return layout;
}

}  // namespace synthview::gen
