#include "tensorboard/record.h"

#include <cstdint>

#include "tensorboard/crc32c.h"

namespace synthview::tensorboard {
namespace {

void append_little_endian(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFFu));
}

}  // namespace

std::string frame_record(std::string_view data) {
  std::string length;
  append_little_endian(length, data.size(), 8);
  std::string out = length;
  out.reserve(length.size() + 4 + data.size() + 4);
  append_little_endian(out, masked_crc32c(length), 4);
  out.append(data);
  append_little_endian(out, masked_crc32c(data), 4);
  return out;
}

}  // namespace synthview::tensorboard
