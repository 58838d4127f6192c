// TFRecord framing, the container of a TensorBoard event file: per record
//   uint64 length (little endian) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data).
#pragma once

#include <string>
#include <string_view>

namespace synthview::tensorboard {

// The framed bytes of one record holding `data`.
std::string frame_record(std::string_view data);

}  // namespace synthview::tensorboard
