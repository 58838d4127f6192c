#include "h5/fletcher32.h"

#include <algorithm>

namespace synthview::h5 {
namespace {

uint32_t fold(uint32_t sum) { return (sum & 0xffff) + (sum >> 16); }

// One block of n <= 360 words in closed form: HDF5's loop does `sum1 += w[i]; sum2 += sum1`, so the
// block adds sum(w) to sum1 and n*sum1 + sum((n - i) * w[i]) to sum2. Both are sums of independent
// terms (vectorisable) and equal HDF5's values modulo 2^32, which is all uint32 arithmetic keeps.
__attribute__((optimize("O3"))) void add_block(const uint8_t* data, uint32_t n, uint32_t& sum1, uint32_t& sum2) {
  uint32_t plain = 0, weighted = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t word = (uint32_t(data[2 * i]) << 8) | uint32_t(data[2 * i + 1]);
    plain += word;
    weighted += (n - i) * word;
  }
  sum2 += n * sum1 + weighted;
  sum1 += plain;
}

}  // namespace

uint32_t fletcher32(const void* data, size_t bytes) {
  const auto* bytes_in = static_cast<const uint8_t*>(data);
  uint32_t sum1 = 0, sum2 = 0;
  for (size_t words = bytes / 2; words > 0;) {
    const uint32_t n = uint32_t(std::min<size_t>(words, 360));
    add_block(bytes_in, n, sum1, sum2);
    sum1 = fold(sum1);
    sum2 = fold(sum2);
    bytes_in += 2 * size_t(n);
    words -= n;
  }
  if (bytes % 2 != 0) {
    sum1 += uint32_t(*bytes_in) << 8;
    sum2 += sum1;
    sum1 = fold(sum1);
    sum2 = fold(sum2);
  }
  return (fold(sum2) << 16) | fold(sum1);
}

}  // namespace synthview::h5
