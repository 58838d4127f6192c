// CRC-32C (Castagnoli), the checksum of TFRecord framing, and the "masked" form TensorBoard checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace synthview::tensorboard {

// Plain CRC-32C of `data` (reflected polynomial 0x82F63B78; crc32c("123456789") == 0xE3069283).
uint32_t crc32c(std::string_view data);

// TFRecord's masked CRC: ((crc >> 15) | (crc << 17)) + 0xa282ead8, so a CRC of data holding CRCs stays strong.
uint32_t masked_crc32c(std::string_view data);

}  // namespace synthview::tensorboard
