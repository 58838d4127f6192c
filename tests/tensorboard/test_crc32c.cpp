// CRC-32C and TFRecord framing against published vectors: RFC 3720 appendix B.4 (iSCSI), the
// "123456789" check value, and masked CRCs from TensorBoard's own Python implementation
// (tensorboard.compat.tensorflow_stub.pywrap_tensorflow.masked_crc32c).
#include <gtest/gtest.h>

#include <string>

#include "tensorboard/crc32c.h"
#include "tensorboard/record.h"

namespace synthview::tensorboard {
namespace {

std::string bytes_from(int first, int step) {
  std::string out;
  for (int i = 0; i < 32; ++i) out.push_back(static_cast<char>(first + step * i));
  return out;
}

uint32_t read_u32(const std::string& data, size_t at) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(data[at + i]);
  return value;
}

TEST(Crc32c, CheckValue) { EXPECT_EQ(crc32c("123456789"), 0xE3069283u); }

TEST(Crc32c, Rfc3720Vectors) {
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  EXPECT_EQ(crc32c(bytes_from(0, 1)), 0x46DD794Eu);   // 00 01 ... 1f
  EXPECT_EQ(crc32c(bytes_from(31, -1)), 0x113FDB5Cu);  // 1f 1e ... 00
}

TEST(Crc32c, MaskedAsTensorBoardComputesIt) {
  EXPECT_EQ(masked_crc32c(""), 0xA282EAD8u);
  EXPECT_EQ(masked_crc32c("123456789"), 0xC78AB0E5u);
  EXPECT_EQ(masked_crc32c("abc"), 0x21F1576Eu);
}

TEST(Record, FramesLengthDataAndMaskedCrcs) {
  const std::string record = frame_record("abc");
  ASSERT_EQ(record.size(), 8u + 4u + 3u + 4u);
  EXPECT_EQ(record.substr(0, 8), std::string("\x03\0\0\0\0\0\0\0", 8));  // little-endian uint64 length
  EXPECT_EQ(read_u32(record, 8), 0x0E4999B0u);                          // masked CRC of those 8 bytes
  EXPECT_EQ(record.substr(12, 3), "abc");
  EXPECT_EQ(read_u32(record, 15), 0x21F1576Eu);
}

}  // namespace
}  // namespace synthview::tensorboard
