// The checks on a TorchScript generator's probe output (gen::check_probe_output): any dtype, shape and
// values a module could return. Input: byte 0 picks the dtype, byte 1 the rank (0-5), then one byte
// per dimension (0-7), then the values' bytes (repeated to fill the tensor).
#include "gen/torchscript_generator.h"
#include "../contract.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace synthview;
  static const torch::ScalarType kDtypes[] = {torch::kFloat32, torch::kFloat64, torch::kFloat16, torch::kBFloat16,
                                              torch::kUInt8,   torch::kInt32,   torch::kInt64,   torch::kBool};
  if (size < 2) return 0;
  const torch::ScalarType dtype = kDtypes[data[0] % 8];
  const size_t rank = data[1] % 6;
  if (size < 2 + rank) return 0;
  std::vector<int64_t> shape;
  for (size_t d = 0; d < rank; ++d) shape.push_back(data[2 + d] % 8);
  const uint8_t* values = data + 2 + rank;
  const size_t value_bytes = size - 2 - rank;
  torch::Tensor images = torch::zeros(shape, torch::kUInt8).to(dtype);
  const size_t tensor_bytes = size_t(images.numel()) * images.element_size();
  auto* bytes = static_cast<uint8_t*>(images.data_ptr());
  for (size_t i = 0; value_bytes > 0 && i < tensor_bytes; ++i) bytes[i] = values[i % value_bytes];
  if (dtype == torch::kBool) images = images.view(torch::kUInt8).remainder(2).to(torch::kBool);  // only 0/1 are valid bools
  gen::ImageShape found;
  if (fuzz::returns_or_input_error([&] { found = gen::check_probe_output(images, 4, 16, "fuzz.pt"); })) {
    fuzz::require(images.dim() == 4 && images.size(0) == 4 && images.is_floating_point(), "accepted a bad shape/dtype");
    fuzz::require(found.channels == 1 || found.channels == 3, "accepted a channel count other than 1 or 3");
    fuzz::require(images.isfinite().all().item<bool>(), "accepted non-finite values");
    fuzz::require(images.abs().max().item<double>() <= 1.001, "accepted values outside [-1, 1]");
  }
  return 0;
}
