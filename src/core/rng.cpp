#include "core/rng.h"

#include <cmath>

#include "core/error.h"

namespace synthview {
namespace {

constexpr int64_t kLow32 = 0xFFFFFFFFLL;
constexpr int64_t kLow16 = 0xFFFFLL;

// (x * c) mod 2^32 for x < 2^32 without int64 overflow: split c into 16-bit halves.
torch::Tensor mul_mod32(const torch::Tensor& x, uint32_t c) {
  int64_t c_low = c & 0xFFFFu;
  int64_t c_high = c >> 16;
  torch::Tensor low = x * c_low;                                // < 2^48
  torch::Tensor high = torch::bitwise_and(x * c_high, kLow16);  // (x*c_high mod 2^16)
  return torch::bitwise_and(low + high * 65536, kLow32);
}

torch::Tensor mix(const torch::Tensor& state, const torch::Tensor& word) {
  return hash32(torch::bitwise_xor(state, word));
}

torch::Tensor mix(const torch::Tensor& state, int64_t word) {
  return hash32(torch::bitwise_xor(state, word & kLow32));
}

}  // namespace

torch::Tensor hash32(const torch::Tensor& words) {
  // Right shifts are safe: values stay in [0, 2^32), so the sign bit of int64 is never set.
  torch::Tensor x = words;
  x = torch::bitwise_xor(x, torch::bitwise_right_shift(x, 16));
  x = mul_mod32(x, 0x7feb352dU);
  x = torch::bitwise_xor(x, torch::bitwise_right_shift(x, 15));
  x = mul_mod32(x, 0x846ca68bU);
  x = torch::bitwise_xor(x, torch::bitwise_right_shift(x, 16));
  return x;
}

torch::Tensor CounterRng::bits(RngStream stream, const torch::Tensor& indices, int64_t components) const {
  SV_CHECK(indices.dim() == 1 && indices.scalar_type() == torch::kInt64, "indices must be a 1-D int64 tensor");
  SV_CHECK(components >= 1, "components must be >= 1, got ", components);
  auto opts = indices.options();
  // Key order: seed, stream, index, component; each word is folded in with a full hash round.
  int64_t seed_low = static_cast<int64_t>(seed_ & 0xFFFFFFFFull);
  int64_t seed_high = static_cast<int64_t>(seed_ >> 32);
  torch::Tensor base = torch::full({1}, int64_t{0x9E3779B9}, opts);
  base = mix(base, seed_low);
  base = mix(base, seed_high);
  base = mix(base, static_cast<int64_t>(stream));
  torch::Tensor index_low = torch::bitwise_and(indices, kLow32);
  torch::Tensor index_high = torch::bitwise_and(torch::bitwise_right_shift(indices, 32), kLow32);
  torch::Tensor per_index = mix(mix(base.expand_as(indices), index_low), index_high);  // [B]
  torch::Tensor component = torch::arange(components, opts);                         // [C]
  torch::Tensor state = per_index.unsqueeze(1).expand({indices.size(0), components});
  // Two rounds after the component so neighbouring components decorrelate fully.
  return hash32(torch::bitwise_and(mix(state, component.unsqueeze(0).expand_as(state)) + int64_t{0x632BE5AB}, kLow32));
}

torch::Tensor CounterRng::uniform(RngStream stream, const torch::Tensor& indices, int64_t components) const {
  // Two 32-bit words per value: component 2k and 2k+1 -> 53-bit mantissa.
  torch::Tensor words = bits(stream, indices, 2 * components).view({indices.size(0), components, 2});
  torch::Tensor high = torch::bitwise_right_shift(words.select(2, 0), 5);  // 27 bits
  torch::Tensor low = torch::bitwise_right_shift(words.select(2, 1), 6);   // 26 bits
  torch::Tensor mantissa = (high * 67108864 + low).to(torch::kFloat64);     // [0, 2^53)
  return (mantissa + 0.5) * (1.0 / 9007199254740992.0);                     // (0, 1)
}

torch::Tensor CounterRng::normal(RngStream stream, const torch::Tensor& indices, int64_t components) const {
  torch::Tensor u = uniform(stream, indices, components);
  return std::sqrt(2.0) * torch::erfinv(2.0 * u - 1.0);
}

torch::Tensor CounterRng::truncated_normal(RngStream stream, const torch::Tensor& indices, int64_t components,
                                           double bound) const {
  SV_CHECK(bound > 0, "truncation bound must be > 0, got ", bound);
  // Map u in (0,1) onto (Phi(-b), Phi(b)) and invert: exactly the truncated law, no rejection loop.
  double cdf_high = 0.5 * std::erfc(-bound / std::sqrt(2.0));
  double cdf_low = 1.0 - cdf_high;
  torch::Tensor u = uniform(stream, indices, components);
  torch::Tensor p = cdf_low + u * (cdf_high - cdf_low);
  return (std::sqrt(2.0) * torch::erfinv(2.0 * p - 1.0)).clamp(-bound, bound);
}

torch::Tensor CounterRng::integers(RngStream stream, const torch::Tensor& indices, int64_t components,
                                   int64_t upper) const {
  SV_CHECK(upper >= 1 && upper <= (1LL << 31), "integer range must be in [1, 2^31], got ", upper);
  return torch::remainder(bits(stream, indices, components), upper);
}

}  // namespace synthview
